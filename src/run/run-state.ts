import type { RunParent, RunStatus, RunUsage } from '../events/run-event.js'
import type { Message, ToolMessage } from '../messages/message.js'
import type { ToolChoice } from '../model/model-request.js'
import type { RunItem } from './run-item.js'

/**
 * Everything a run has done so far, as plain JSON: what a checkpoint saves and a resume loads.
 * The run context is not part of it (it holds secrets and is given again on resume).
 */
export interface RunState {
  /** The format version of this snapshot. */
  version: 1
  runId: string
  agentName: string
  status: RunStatus
  /** Model calls made so far. */
  turn: number
  /** The whole conversation: input first, then what the run added. */
  messages: Message[]
  /** How many of `messages` were the run's input. */
  inputLength: number
  items: RunItem[]
  usage: RunUsage
  /** The tool choice for the next model call (reset to `auto` after tool calls when the agent says so). */
  toolChoice: ToolChoice
  /** Final outputs that failed validation and were sent back to the model. */
  outputRetries: number
  /**
   * Durable runs: where each tool call of the current turn stands, by call id, until all results
   * join `messages`. Absent without storage.
   */
  toolCalls?: Record<string, ToolCallRecord>
  /** The final output, once completed. */
  output?: unknown
  /** The error, once failed or cancelled. */
  error?: { name: string; message: string }
  /**
   * The session the run belongs to, how many of `messages` came from it, and the id of the last of
   * them (null: the session was empty). A durable run stores this reference, not a copy of the
   * history: loading the run reads the session's path ending at `headId`. Runs stored before heads
   * were recorded have none, and their stored parts hold the history.
   */
  session?: { id: string; historyLength: number; headId?: string | null }
  /**
   * The agent that answers now, when a handoff changed it (absent: `agentName`, the agent the run
   * started with). A resumed run continues with it.
   */
  activeAgent?: string
  /** The handoffs taken so far, in order (absent when none). */
  handoffs?: HandoffRecord[]
  /** Set on a nested run: the run and the tool call or workflow node that started it. */
  parent?: RunParent
}

/** A handoff the run took. */
export interface HandoffRecord {
  from: string
  to: string
  /** The `transfer_to_<name>` call. */
  callId: string
  turn: number
  /** How many of the run's messages existed when it was taken (the transfer call's result included). */
  at: number
}

/** A call of the current turn waiting on its nested run, as the caller stores it. */
export interface NestedWaiting {
  /** `<this call's id>/<the nested call's id>`: the id to decide through this run's resume. */
  callId: string
  toolName: string
  arguments: unknown
  kind: 'approval' | 'review'
  /** The agent whose call it is, and its run. */
  agent: string
  runId: string
}

/** An agent tool's call linked to its nested run. */
export interface NestedCallRecord {
  runId: string
  agent: string
  /** The nested run's calls that wait for a decision (when the call waits). */
  waiting: NestedWaiting[]
  /** Decisions given through this run's resume, passed on to the nested run (ids without the prefix). */
  decisions?: { callId: string; approve: boolean; message?: string }[]
}

/**
 * A tool call of a durable run: `approval` waits for a decision, `review` waits for a decision
 * after an interrupted non-idempotent call, `approved` carries an approval, `started` was recorded
 * before the tool ran, `done` holds the result (a rejection's too). The transitions between them
 * are in `run-transitions.ts`.
 */
export interface ToolCallRecord {
  status: 'approval' | 'review' | 'approved' | 'started' | 'done'
  /** The same on every attempt of this call: `runId:callId`. */
  idempotencyKey: string
  /** A human approved the call: it is not asked about again, also when it starts again after a crash. */
  approved?: boolean
  /** The result, once `done`. */
  result?: ToolMessage
  /** The reason given with a rejection. */
  message?: string
  /** An agent tool's call: its nested run. */
  nested?: NestedCallRecord
}

/** A fresh state for a run starting from `messages`. */
export function createRunState(options: {
  runId: string
  agentName: string
  messages: Message[]
  toolChoice: ToolChoice
}): RunState {
  return {
    version: 1,
    runId: options.runId,
    agentName: options.agentName,
    status: 'running',
    turn: 0,
    messages: options.messages,
    inputLength: options.messages.length,
    items: [],
    usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
    toolChoice: options.toolChoice,
    outputRetries: 0,
  }
}
