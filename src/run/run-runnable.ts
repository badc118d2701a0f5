/**
 * `runtime.run(runnable, input)` and `runtime.stream(runnable, input)` for a registered runnable (a
 * workflow, a step job, your own `{ name, run(ctx) }`): the run is submitted like any other (one
 * stored run, one event log, executed by the runner with its retries and crash recovery), then
 * waited for or followed.
 *
 * @module
 */
import { checkOptionsObject, describeValue } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { RunInput } from './run-input.js'
import type { RunResult } from './run-result.js'
import type { RunStream } from './run-stream.js'
import { classifyRunnable, type RunnableRegistry } from './runnable.js'
import type { SubmitOptions } from './submit-run.js'

/** The options `run` and `stream` take for a runnable. */
export interface RunnableRunOptions<TContext = unknown> {
  /** The run context (never stored); see `SubmitOptions.context`. */
  context?: TContext
  /** Cancels the run (`runtime.cancel`) when it aborts. */
  signal?: AbortSignal
  /** The run's timeout in milliseconds (default: the runner's, 300,000). */
  timeoutMs?: number
  /** Use this id instead of a generated one (a UUID). */
  runId?: string
}

const KEYS = new Set(['context', 'signal', 'timeoutMs', 'runId'])

/** What running a runnable uses of the runtime. */
export interface RunnableCalls {
  registry: RunnableRegistry
  submit(name: string, input: RunInput, options: SubmitOptions): Promise<{ runId: string }>
  wait(runId: string): Promise<RunResult<unknown>>
  events(runId: string): AsyncIterable<RunEvent>
  cancel(runId: string): Promise<unknown>
}

/** Whether `value` is something `run`/`stream` hand to the runner (not an `Agent`). */
export function isRunnableValue(value: unknown): boolean {
  const candidate = value as Record<string, unknown> | null
  if (candidate === null || typeof candidate !== 'object') return false
  if (typeof candidate.getTool === 'function') return false
  return (
    typeof candidate.toRunnable === 'function' ||
    typeof candidate.run === 'function' ||
    Array.isArray(candidate.stepNames)
  )
}

/** The registered name of a runnable, and its options as submit options; throws `ConfigError` otherwise. */
function prepare(
  calls: RunnableCalls,
  value: unknown,
  options: RunnableRunOptions | undefined,
  entry: string,
): { name: string; submit: SubmitOptions; signal: AbortSignal | undefined } {
  const { name } = classifyRunnable(value, entry)
  if (calls.registry.get(name) === undefined) {
    throw new ConfigError({
      message: `${entry}: "${name}" is not registered on this runtime. Register it first (runtime.register(...) or new Runtime({ runnables: [...] })): a stored run finds its runnable by name when it resumes.`,
    })
  }
  const checked = checkOptionsObject(options, `${entry} options`)
  for (const key of Object.keys(checked)) {
    if (!KEYS.has(key)) {
      throw new ConfigError({
        message: `${entry} options: "${key}" does not apply to runnable "${name}" (it takes ${[...KEYS].join(', ')}).`,
      })
    }
  }
  const { signal, context, timeoutMs, runId } = checked
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ConfigError({
      message: `${entry} options: signal must be an AbortSignal; got ${describeValue(signal)}.`,
    })
  }
  return {
    name,
    signal,
    submit: {
      runId: runId ?? crypto.randomUUID(),
      ...(context === undefined ? {} : { context }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    },
  }
}

/** Cancels the run when `signal` aborts; returns the clean-up. */
function linkSignal(calls: RunnableCalls, runId: string, signal: AbortSignal | undefined): () => void {
  if (signal === undefined) return () => {}
  const onAbort = () => void calls.cancel(runId).catch(() => {})
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  return () => signal.removeEventListener('abort', onAbort)
}

/** Submits the runnable and waits for its end or pause. */
export async function runRunnable(
  calls: RunnableCalls,
  value: unknown,
  input: RunInput,
  options: RunnableRunOptions | undefined,
): Promise<RunResult<unknown>> {
  const { name, submit, signal } = prepare(calls, value, options, 'run(runnable, input, options)')
  const { runId } = await calls.submit(name, input, submit)
  const unlink = linkSignal(calls, runId, signal)
  try {
    return await calls.wait(runId)
  } finally {
    unlink()
  }
}

/**
 * Submits the runnable and streams its events (the stored log, then live ones, up to `run.end`).
 * Stopping the iteration before `run.end` cancels the run.
 */
export function streamRunnable(
  calls: RunnableCalls,
  value: unknown,
  input: RunInput,
  options: RunnableRunOptions | undefined,
): RunStream<unknown> {
  const { name, submit, signal } = prepare(calls, value, options, 'stream(runnable, input, options)')
  const runId = submit.runId as string
  const submitted = calls.submit(name, input, submit)
  const unlink = submitted.then(() => linkSignal(calls, runId, signal))
  const result = submitted
    .then(() => calls.wait(runId))
    .finally(() =>
      unlink.then(
        (undo) => undo(),
        () => {},
      ),
    )
  // The consumer may only iterate: its rejection is still there for whoever awaits it.
  result.catch(() => {})
  async function* iterate(): AsyncGenerator<RunEvent> {
    await submitted
    let ended = false
    try {
      for await (const event of calls.events(runId)) {
        if (event.type === 'run.end') ended = true
        yield event
      }
    } finally {
      if (!ended) await calls.cancel(runId).catch(() => {})
    }
  }
  return { runId, result, [Symbol.asyncIterator]: () => iterate() }
}
