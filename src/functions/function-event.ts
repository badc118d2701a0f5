import type { FunctionAttemptFailure } from '../errors/errors.js'
import type { EventBase, RunEvent } from '../events/run-event.js'
import type { DistributiveOmit } from '../util/types.js'

/** An LLM function's attempt was checked: `ok`, or rejected with the failure fed back to the model. */
export interface AttemptEndEvent extends EventBase {
  type: 'attempt.end'
  /** The attempt number (the turn it ran in). */
  turn: number
  ok: boolean
  failure?: FunctionAttemptFailure
}

/**
 * The events of an LLM function call: the run events (`run.start`, then per attempt `turn.start`,
 * `model.start`, `text.delta`..., `model.end`, `attempt.end`, `turn.end`, and `run.end`), with
 * the function's name as `agent`.
 */
export type FunctionEvent = RunEvent | AttemptEndEvent

/** An event before it is stamped with `runId`, `seq` and `time`. */
export type FunctionEventData = DistributiveOmit<FunctionEvent, keyof EventBase>
