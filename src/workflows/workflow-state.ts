/**
 * The saved state of a workflow run: what `checkpoint(state)` receives after every node and what
 * `resume(state)` continues from. Plain JSON with a format version, validated when read back.
 *
 * @module
 */
import { z } from 'zod'
import type { JsonObject, JsonValue } from '../util/json.js'

/** The format version of the workflow states this version of agentloop writes. */
export const WORKFLOW_STATE_VERSION = 1

/** Where a workflow run stands. `completed`, `failed` and `cancelled` are final. */
export type WorkflowStatus =
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'awaiting_input'
  | 'needs_review'

/** Where a node stands in a run. */
export type NodeStatus = 'running' | 'completed' | 'failed' | 'waiting' | 'cancelled'

/** What the state records of one node. */
export interface NodeRecord {
  status: NodeStatus
  /** How often the node started in this run (loops count every pass). */
  runs: number
  /** Attempts of the last run (retries included). */
  attempts: number
  /** Milliseconds the last run took, once it ended. */
  durationMs?: number
  error?: { name: string; message: string }
}

/** A human node waiting for an answer. */
export interface WaitingInput {
  nodeId: string
  /** The rendered prompt (null when the node has none). */
  prompt: JsonValue
}

/** A workflow run's state, format version 1. */
export interface WorkflowState {
  version: typeof WORKFLOW_STATE_VERSION
  kind: 'workflow'
  runId: string
  workflow: string
  status: WorkflowStatus
  /** The run's variables (the input, as hooks changed it). */
  variables: JsonObject
  /** The latest output of each node that completed, by node id. */
  outputs: { [nodeId: string]: JsonValue }
  /** Every node that ran, by id. */
  nodes: { [nodeId: string]: NodeRecord }
  /** Nodes ready to run, in order (they run when the run continues). */
  ready: string[]
  /**
   * Branches that arrived at each join in its current round, by join id. `phase`: `waiting` for
   * more branches, `ready` to run, `fired` (it ran; late branches are absorbed until all arrived).
   */
  joins: { [joinId: string]: { arrived: string[]; phase: 'waiting' | 'ready' | 'fired' } }
  /** Human nodes waiting for an answer. */
  waiting: WaitingInput[]
  /** Nodes that started but did not finish before a crash, and are not idempotent. */
  interrupted: string[]
  /** The workflow's output, once completed. */
  output?: JsonValue
  /** Why the run failed or was cancelled. */
  error?: { name: string; message: string; nodeId?: string }
  /** The last event `seq` handed out: a resumed run continues after it. */
  seq: number
  startedAt: number
}

const json = z.json()
const error = z.object({ name: z.string(), message: z.string() })

/** The zod schema of format version 1, used by `resume` to validate a state read back. */
export const WorkflowStateV1 = z.object({
  version: z.literal(1),
  kind: z.literal('workflow'),
  runId: z.string().min(1),
  workflow: z.string().min(1),
  status: z.enum(['running', 'completed', 'failed', 'cancelled', 'awaiting_input', 'needs_review']),
  variables: z.record(z.string(), json),
  outputs: z.record(z.string(), json),
  nodes: z.record(
    z.string(),
    z.object({
      status: z.enum(['running', 'completed', 'failed', 'waiting', 'cancelled']),
      runs: z.number().int().min(0),
      attempts: z.number().int().min(0),
      durationMs: z.number().min(0).optional(),
      error: error.optional(),
    }),
  ),
  ready: z.array(z.string()),
  joins: z.record(
    z.string(),
    z.object({ arrived: z.array(z.string()), phase: z.enum(['waiting', 'ready', 'fired']) }),
  ),
  waiting: z.array(z.object({ nodeId: z.string(), prompt: json })),
  interrupted: z.array(z.string()),
  output: json.optional(),
  error: error.extend({ nodeId: z.string().optional() }).optional(),
  seq: z.number().int().min(0),
  startedAt: z.number(),
})

/** A copy of a run's state the caller may keep (outputs are never changed once stored). */
export function snapshotOf(state: WorkflowState, seq: number): WorkflowState {
  const nodes: WorkflowState['nodes'] = {}
  for (const [id, record] of Object.entries(state.nodes)) nodes[id] = { ...record }
  const joins: WorkflowState['joins'] = {}
  for (const [id, join] of Object.entries(state.joins))
    joins[id] = { arrived: [...join.arrived], phase: join.phase }
  return {
    ...state,
    outputs: { ...state.outputs },
    nodes,
    ready: [...state.ready],
    joins,
    waiting: [...state.waiting],
    interrupted: [...state.interrupted],
    seq,
  }
}
