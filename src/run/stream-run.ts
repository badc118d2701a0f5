/**
 * `runtime.stream(agent, input)`: the run starts with its events going into a channel with
 * backpressure (the run waits when its consumer falls `highWaterMark` events behind), and a
 * consumer that stops reading cancels the run.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import { RunCancelledError } from '../errors/errors.js'
import { createEventChannel, resultStream } from '../events/event-channel.js'
import type { RunEvent } from '../events/run-event.js'
import type { RunInput } from './run-input.js'
import type { RunStream } from './run-stream.js'
import type { RunOptions } from './runtime-options.js'
import { type RunEnvironment, startRun } from './start-run.js'

/** Starts the run (its input and options already checked) and returns the stream of its events. */
export function streamRun<TContext, TOutput>(
  env: RunEnvironment,
  start: {
    agent: Agent<TContext, TOutput>
    input: RunInput
    options: RunOptions<TContext>
    /** Events buffered before the run waits for its consumer. */
    highWaterMark: number
  },
): RunStream<TOutput> {
  const { agent, input, options } = start
  const channel = createEventChannel<RunEvent>({
    highWaterMark: start.highWaterMark,
    onAbandon: () => abandon(),
  })
  let abandon = () => {}
  const runId = options.runId ?? crypto.randomUUID()
  const result = startRun(env, {
    agent,
    input,
    options: { ...options, runId },
    delivery: (event) => channel.push(event),
    onCancel: (cancel) => {
      abandon = () =>
        cancel(
          new RunCancelledError({
            message: 'The run was cancelled because its stream consumer stopped reading.',
          }),
        )
    },
  })
  return Object.assign(resultStream(channel, result), { runId })
}
