/**
 * The state machine of a durable run and of its tool calls, written down once. Every change of a
 * stored status goes through `checkRunTransition` / `moveToolCall`, and every run transition is
 * one atomic save (state + the events it produced + the session messages it appends) made before
 * its events are delivered: nothing is told before it is true. docs/durable-runs.md draws it.
 *
 * @module
 */
import type { CheckpointSaveEvent, RunStatus } from '../events/run-event.js'
import type { ToolMessage } from '../messages/message.js'
import type { NestedCallRecord, ToolCallRecord } from './run-state.js'

/** A run's stored status, or `new` before its first save. */
export type RunPhase = RunStatus | 'new'

/** One transition of a run: the statuses it leaves, those it reaches, and its save point. */
export interface RunTransition {
  readonly from: readonly RunPhase[]
  readonly to: readonly RunStatus[]
  /** The `reason` of the `checkpoint.save` event the save reports (its save point). */
  readonly reason: CheckpointSaveEvent['reason']
  readonly when: string
}

const resumable = ['queued', 'running', 'failed', 'cancelled', 'awaiting_approval', 'needs_review'] as const

/** The run's transitions. Each is saved atomically with the events it produces, then delivered. */
export const RUN_TRANSITIONS = {
  claim: {
    from: ['new', ...resumable],
    to: ['running'],
    reason: 'start',
    when: 'a run starts, or resume claims a stored run (its decisions applied in the same save)',
  },
  model: {
    from: ['running'],
    to: ['running'],
    reason: 'model',
    when: 'a model response with tool calls (or a final output sent back for a retry) arrives',
  },
  toolStart: {
    from: ['running'],
    to: ['running'],
    reason: 'tool.start',
    when: 'a tool is about to run (after its hooks)',
  },
  toolResult: {
    from: ['running'],
    to: ['running'],
    reason: 'tool.result',
    when: "a tool's result is known",
  },
  handoff: {
    from: ['running'],
    to: ['running'],
    reason: 'handoff',
    when: "the model took a handoff: the active agent changes (the turn's tool results are saved with it)",
  },
  pause: {
    from: ['running'],
    to: ['awaiting_approval', 'needs_review'],
    reason: 'pause',
    when: 'tool calls wait for a decision (the other calls of the turn are done)',
  },
  complete: {
    from: ['running'],
    to: ['completed'],
    reason: 'end',
    when: "the final output is valid; the run's new messages are appended to its session in the same save",
  },
  fail: {
    from: ['new', ...resumable],
    to: ['failed', 'cancelled'],
    reason: 'end',
    when: 'the run fails, times out or is cancelled (also when a save failed: the last try)',
  },
} as const satisfies Record<string, RunTransition>

/** The name of a run transition. */
export type RunTransitionName = keyof typeof RUN_TRANSITIONS

/** Throws unless `transition` may take a run from `from` to `to`: a bug in the engine, never input. */
export function checkRunTransition(name: RunTransitionName, from: RunPhase, to: RunStatus): void {
  const transition: RunTransition = RUN_TRANSITIONS[name]
  if (!transition.from.includes(from) || !transition.to.includes(to)) {
    throw new Error(
      `agentloop bug: run transition "${name}" cannot go from "${from}" to "${to}" (allowed: ${transition.from.join(' | ')} -> ${transition.to.join(' | ')}). Please report it.`,
    )
  }
}

/** A tool call's status, or `pending` while it has no record. */
export type ToolCallPhase = ToolCallRecord['status'] | 'pending'

/**
 * A tool call's transitions (durable runs). `pending` is a call of the current turn with no record
 * yet. `approved` survives a restart as `record.approved`, so an approved call that was interrupted
 * is never asked about again.
 */
export const TOOL_CALL_TRANSITIONS = {
  /** The tool needs approval: the run pauses once the other calls are done. */
  requestApproval: { from: ['pending'], to: 'approval' },
  /** A decision `approve: true`, applied when resume claims the run. */
  approve: { from: ['approval', 'review', 'started'], to: 'approved' },
  /** A decision `approve: false`: the rejection is the call's result, saved with the claim. */
  reject: { from: ['approval', 'review', 'started'], to: 'done' },
  /** Saved right before the tool runs; an idempotent call interrupted there starts again. */
  start: { from: ['pending', 'approved', 'started'], to: 'started' },
  /** The result is known (a tool's output, or an error result that never ran the tool). */
  finish: { from: ['pending', 'approved', 'started'], to: 'done' },
  /** A resumed run finds a non-idempotent call started without a result: a human decides. */
  interrupt: { from: ['started'], to: 'review' },
  /**
   * An agent tool's nested run paused (its own calls wait for decisions): the call waits too, and
   * the decisions on the nested calls are given through this run's resume.
   */
  awaitNested: { from: ['started'], to: 'approval' },
} as const satisfies Record<string, { from: readonly ToolCallPhase[]; to: ToolCallRecord['status'] }>

/** The name of a tool call transition. */
export type ToolCallTransitionName = keyof typeof TOOL_CALL_TRANSITIONS

/**
 * Moves a call's record along `transition` (creating it from `pending`), after checking that the
 * transition starts where the call is. Returns the record.
 */
export function moveToolCall(
  records: Record<string, ToolCallRecord>,
  callId: string,
  name: ToolCallTransitionName,
  fields: { idempotencyKey: string; result?: ToolMessage; message?: string; nested?: NestedCallRecord },
): ToolCallRecord {
  const transition = TOOL_CALL_TRANSITIONS[name]
  const current = records[callId]
  const from: ToolCallPhase = current?.status ?? 'pending'
  if (!(transition.from as readonly ToolCallPhase[]).includes(from)) {
    throw new Error(
      `agentloop bug: tool call "${callId}" cannot ${name} from "${from}" (allowed from: ${transition.from.join(' | ')}). Please report it.`,
    )
  }
  const record: ToolCallRecord = { status: transition.to, idempotencyKey: fields.idempotencyKey }
  if (current?.approved === true || name === 'approve') record.approved = true
  if (fields.result !== undefined) record.result = fields.result
  const message = fields.message ?? current?.message
  if (message !== undefined) record.message = message
  // A nested run's link lasts until the call is done (its decisions travel with it).
  const nested = fields.nested ?? (transition.to === 'done' ? undefined : current?.nested)
  if (nested !== undefined) record.nested = nested
  records[callId] = record
  return record
}
