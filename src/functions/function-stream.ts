import { createEventChannel, resultStream } from '../events/event-channel.js'
import type { FunctionEvent } from './function-event.js'
import type { LLMFunctionResult } from './run-function.js'

/** A call's events as an async iterable, plus its result. */
export interface LLMFunctionStream<TOutput> extends AsyncIterable<FunctionEvent> {
  readonly runId: string
  readonly result: Promise<LLMFunctionResult<TOutput>>
}

/**
 * Starts a call whose events go through a bounded channel: the call waits when its consumer is 64
 * events behind, stopping the iteration cancels the call, and reading `result` without iterating
 * lifts the bound so the call cannot stall.
 */
export function createFunctionStream<TOutput>(
  runId: string,
  start: (
    sink: (event: FunctionEvent) => Promise<void> | undefined,
    controller: AbortController,
  ) => Promise<LLMFunctionResult<TOutput>>,
): LLMFunctionStream<TOutput> {
  const controller = new AbortController()
  const channel = createEventChannel<FunctionEvent>({
    highWaterMark: 64,
    onAbandon: () => controller.abort(new Error('the stream consumer stopped reading')),
  })
  const result = start((event) => channel.push(event), controller)
  return Object.assign(resultStream(channel, result), { runId })
}
