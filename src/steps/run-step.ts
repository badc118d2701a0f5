import { readableError } from '../errors/describe-error.js'
import { ConfigError, describeError } from '../errors/errors.js'
import { requireJson } from '../storage/repositories/shared.js'
import { raceAbort, sleep, timeoutSignal } from '../util/abort.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import type { ResolvedStep } from './step-definition.js'
import { retryDelayOf } from './step-definition.js'
import { StepFailedError, StepTimeoutError } from './step-errors.js'
import type { StepEventData } from './step-event.js'

/** What a completed step produced, validated as JSON and frozen. */
export interface StepOutcome {
  state: JsonObject | undefined
  result: JsonValue | undefined
  attempts: number
  durationMs: number
}

/** What the job gives the step runner. */
export interface StepRun {
  jobId: string
  jobName: string
  step: ResolvedStep
  state: JsonObject
  results: { [step: string]: JsonValue }
  /** The job's signal: aborted on cancellation, with a `RunCancelledError` as reason. */
  signal: AbortSignal
  emit(data: StepEventData): Promise<void> | undefined
}

/**
 * Runs a step until it completes, retrying it as its options allow. Throws the job's cancellation
 * reason when the job is cancelled, else a `StepFailedError` carrying the attempts and the last
 * error (after emitting `step.fail`).
 */
export async function runStep(run: StepRun): Promise<StepOutcome> {
  const { step, signal } = run
  const started = Date.now()
  for (let attempt = 1; ; attempt++) {
    await run.emit({ type: 'step.start', step: step.name, index: step.index, attempt })
    let error: unknown
    try {
      const output = await attemptStep(run, attempt)
      return { ...output, attempts: attempt, durationMs: Date.now() - started }
    } catch (caught) {
      // The step's own thrown value may be hostile (a revoked Proxy...): inspect a readable form.
      error = readableError(caught)
    }
    if (signal.aborted) {
      await run.emit({
        type: 'step.fail',
        step: step.name,
        attempts: attempt,
        error: describeError(signal.reason),
      })
      throw signal.reason
    }
    const retryable =
      attempt <= step.retries &&
      !(error instanceof BadOutputError) &&
      (step.retryIf?.(error, attempt) ?? true)
    if (!retryable) {
      const cause = error instanceof BadOutputError ? error.cause : error
      await run.emit({ type: 'step.fail', step: step.name, attempts: attempt, error: describeError(cause) })
      throw new StepFailedError({
        jobId: run.jobId,
        jobName: run.jobName,
        stepName: step.name,
        attempts: attempt,
        cause,
      })
    }
    const delayMs = retryDelayOf(step, attempt, error)
    await run.emit({ type: 'step.retry', step: step.name, attempt, delayMs, error: describeError(error) })
    await sleep(delayMs, signal)
  }
}

/** One attempt: the step function, raced against the timeout and the job's signal. */
async function attemptStep(
  run: StepRun,
  attempt: number,
): Promise<{ state: JsonObject | undefined; result: JsonValue | undefined }> {
  const { step } = run
  const timeout =
    step.timeout === undefined
      ? undefined
      : timeoutSignal(
          run.signal,
          step.timeout,
          () => new StepTimeoutError({ stepName: step.name, timeoutMs: step.timeout as number }),
        )
  const signal = timeout?.signal ?? run.signal
  try {
    // Never start work for a job that is already cancelled.
    if (signal.aborted) throw signal.reason
    const context = {
      jobId: run.jobId,
      jobName: run.jobName,
      step: step.name,
      attempt,
      state: run.state,
      results: run.results,
      signal,
      report: (progress: number, message?: string) => report(run, progress, message),
    }
    // A synchronous throw becomes a rejection, handled like any failure.
    const pending = Promise.resolve().then(() => step.run(context))
    return checkOutput(step.name, await raceAbort(pending, signal))
  } finally {
    timeout?.dispose()
  }
}

function report(run: StepRun, progress: number, message: string | undefined): void {
  if (typeof progress !== 'number' || !(progress >= 0 && progress <= 1)) {
    throw new ConfigError({
      message: `Step "${run.step.name}": report(progress) takes a number from 0 to 1; got ${String(progress)}.`,
    })
  }
  if (message !== undefined && typeof message !== 'string') {
    throw new ConfigError({
      message: `Step "${run.step.name}": report(progress, message) takes a string message.`,
    })
  }
  // Progress is fire-and-forget: a step does not wait for the stream's consumer.
  void run.emit({
    type: 'step.progress',
    step: run.step.name,
    progress,
    ...(message === undefined ? {} : { message }),
  })
}

/** A step returned something that is not `{ state?, result? }` of JSON: never retried. */
class BadOutputError extends Error {}

function checkOutput(
  stepName: string,
  output: unknown,
): { state: JsonObject | undefined; result: JsonValue | undefined } {
  if (output === undefined || output === null) return { state: undefined, result: undefined }
  const where = `Step "${stepName}"`
  const bad = (message: string) =>
    new BadOutputError('bad step output', { cause: new ConfigError({ message: `${where} ${message}` }) })
  if (typeof output !== 'object' || Array.isArray(output)) {
    throw bad(
      `returned ${Array.isArray(output) ? 'an array' : `a ${typeof output}`}; a step returns { state?, result? } (or nothing). Wrap a value as { result: value }.`,
    )
  }
  const { state, result, ...rest } = output as { state?: unknown; result?: unknown }
  const extra = Object.keys(rest)
  if (extra.length > 0) {
    throw bad(
      `returned unknown field(s) ${extra.map((key) => `"${key}"`).join(', ')}; a step returns { state?, result? }. Put values in result, or in state to update the job's state.`,
    )
  }
  if (state !== undefined && (state === null || typeof state !== 'object' || Array.isArray(state))) {
    throw bad('returned a state that is not an object: state is a partial update of the job state.')
  }
  try {
    if (state !== undefined) requireJson(state, `${where} returned state`)
    if (result !== undefined) requireJson(result, `${where} returned result`)
  } catch (error) {
    throw new BadOutputError('bad step output', { cause: error })
  }
  return {
    state: state === undefined ? undefined : deepFreeze(structuredClone(state as JsonObject)),
    result: result === undefined ? undefined : deepFreeze(structuredClone(result as JsonValue)),
  }
}

/** Freezes a JSON value in place, so later steps cannot change what earlier ones produced. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const item of Object.values(value)) deepFreeze(item)
  }
  return value
}
