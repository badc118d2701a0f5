import type { RunEvent } from '../events/run-event.js'
import type { RunResult } from './run-result.js'

/**
 * The events of one run as an async iterable, plus the run's result. Iterate it to drive the run at
 * your pace: when the consumer falls `highWaterMark` events behind, the run waits. Stopping the
 * iteration early (break) cancels the run. The iteration always ends with `run.end`, which carries
 * the status; `result` resolves like `run()` does and rejects for failed or cancelled runs.
 * Reading `result` before iterating is fine too: the run then no longer waits for the consumer
 * and keeps its events queued (without the bound) for a later iteration, so it cannot stall.
 */
export interface RunStream<TOutput = string> extends AsyncIterable<RunEvent> {
  readonly runId: string
  readonly result: Promise<RunResult<TOutput>>
}
