/**
 * The events of a workflow run: plain JSON objects discriminated on `type`, each with the run's
 * id, a `seq` that increases by one per event of the run, and the `time`. Events of the agents,
 * LLM functions and sub-workflows that nodes run are forwarded in the same stream, with the id of
 * the node that ran them (`nodeId`) and their own run id as `nodeRunId`.
 *
 * @module
 */
import type { JsonValue } from '../util/json.js'
import type { NodeType } from './workflow-definition.js'
import type { WaitingInput, WorkflowStatus } from './workflow-state.js'

/** The fields every event carries. */
export interface WorkflowEventBase {
  runId: string
  seq: number
  time: number
}

export interface WorkflowStartEvent extends WorkflowEventBase {
  type: 'workflow.start'
  workflow: string
  /** True when the run continues from a saved state. */
  resumed: boolean
}

export interface WorkflowEndEvent extends WorkflowEventBase {
  type: 'workflow.end'
  workflow: string
  status: WorkflowStatus
  durationMs: number
  output?: JsonValue
  error?: { name: string; message: string; nodeId?: string }
  /** Human nodes waiting for an answer, when `status` is `awaiting_input`. */
  waiting?: WaitingInput[]
  /** Interrupted nodes to review, when `status` is `needs_review`. */
  interrupted?: string[]
}

export interface NodeStartEvent extends WorkflowEventBase {
  type: 'node.start'
  nodeId: string
  nodeType: NodeType
  /** 1 for the node's first run in this workflow run, 2 for the second pass of a loop... */
  iteration: number
}

export interface NodeRetryEvent extends WorkflowEventBase {
  type: 'node.retry'
  nodeId: string
  /** The attempt that failed. */
  attempt: number
  delayMs: number
  error: { name: string; message: string }
}

export interface NodeEndEvent extends WorkflowEventBase {
  type: 'node.end'
  nodeId: string
  nodeType: NodeType
  /** `waiting`: a human node paused; `cancelled`: the run ended while the node ran. */
  status: 'completed' | 'failed' | 'waiting' | 'cancelled'
  durationMs: number
  attempts: number
  /** Set when the output came from an `onError` hook, not from the node. */
  recovered?: boolean
  error?: { name: string; message: string }
  /** What a waiting human node asks. */
  prompt?: JsonValue
}

/** The workflow's own events. */
export type WorkflowOwnEvent =
  | WorkflowStartEvent
  | WorkflowEndEvent
  | NodeStartEvent
  | NodeRetryEvent
  | NodeEndEvent

/**
 * An event of something a node ran (an agent's `text.delta`, a sub-workflow's `node.end`...): its
 * own fields, re-stamped with this run's `runId`, `seq` and `time`, plus the node's id.
 */
export interface NestedEvent extends WorkflowEventBase {
  type: string
  nodeId: string
  /** The run id the nested run used, when it had one. */
  nodeRunId?: string
  [field: string]: unknown
}

/** Any event of a workflow run. */
export type WorkflowEvent = WorkflowOwnEvent | NestedEvent

/** An event before the executor stamps it. */
export type WorkflowEventData = WorkflowOwnEvent extends infer TEvent
  ? TEvent extends WorkflowOwnEvent
    ? Omit<TEvent, keyof WorkflowEventBase>
    : never
  : never
