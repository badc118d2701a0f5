import type { Agent } from '../agent/agent.js'
import type { RunInput } from './run-input.js'
import type { RunResult } from './run-result.js'
import type { RunStream } from './run-stream.js'
import { Runtime } from './runtime.js'
import type { RunOptions } from './runtime-options.js'

let defaultRuntime: Runtime | undefined

/** The runtime `run()` and `stream()` use: no shared hooks, default limits. */
export function getDefaultRuntime(): Runtime {
  defaultRuntime ??= new Runtime()
  return defaultRuntime
}

/**
 * Runs an agent on the default runtime until it has a final output.
 *
 * @example
 * const result = await run(agent, 'What is 2 + 3?', { context: { userId: 7 } })
 * if (result.status === 'completed') console.log(result.output)
 */
export function run<TContext, TOutput>(
  agent: Agent<TContext, TOutput>,
  input: RunInput,
  options?: RunOptions<TContext>,
): Promise<RunResult<TOutput>> {
  return getDefaultRuntime().run(agent, input, options)
}

/**
 * Runs an agent on the default runtime and streams its events.
 *
 * @example
 * for await (const event of stream(agent, 'Hi')) if (event.type === 'text.delta') process.stdout.write(event.delta)
 */
export function stream<TContext, TOutput>(
  agent: Agent<TContext, TOutput>,
  input: RunInput,
  options?: RunOptions<TContext>,
): RunStream<TOutput> {
  return getDefaultRuntime().stream(agent, input, options)
}
