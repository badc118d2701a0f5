import { ConfigError } from '../errors/errors.js'

/** What a step receives. */
export interface StepContext<TState, TResults> {
  jobId: string
  jobName: string
  /** The step's name. */
  step: string
  /** 1 for the first attempt, 2 for the first retry... */
  attempt: number
  /**
   * The job's state as left by the earlier steps: a copy per attempt, so a failed attempt cannot
   * leave half-made changes behind. Return `{ state }` to update it.
   */
  state: Readonly<TState>
  /** The results of the earlier steps, by step name (restored from the checkpoint on resume). */
  results: Readonly<TResults>
  /** Aborts when the job is cancelled or the step's `timeout` passes; pass it to your I/O. */
  signal: AbortSignal
  /** Reports the step's progress (0 to 1) as a `step.progress` event. */
  report(progress: number, message?: string): void
}

/**
 * What a step returns: an optional partial `state` update (merged, shallowly, into the job's state)
 * and an optional `result` (kept as `results[stepName]`). Both must be JSON. Return nothing when the
 * step has neither.
 */
export type StepOutput<TState, TResult> =
  | { state?: Partial<TState>; result?: TResult }
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: lets a step be any function that returns nothing
  | void

/** How long to wait before retry number `attempt` (1 for the first retry), in milliseconds. */
export type RetryDelay = number | ((attempt: number, error: unknown) => number)

/** The options of one step. */
export interface StepOptions {
  /** Further attempts after a failure. Default 0. */
  retries?: number
  /**
   * Milliseconds to wait before each retry, or a function of the retry number (1, 2...) and the
   * error. Default 1000.
   */
  retryDelay?: RetryDelay
  /** `'exponential'` doubles a numeric `retryDelay` on each retry (up to `maxRetryDelay`). Default `'fixed'`. */
  backoff?: 'fixed' | 'exponential'
  /** The longest wait between attempts with exponential backoff. Default 30,000 ms. */
  maxRetryDelay?: number
  /** Whether an error may be retried (when retries remain). Default: every error but a cancellation. */
  retryIf?: (error: unknown, attempt: number) => boolean
  /** Milliseconds an attempt may take; its signal aborts and the attempt fails with `StepTimeoutError`. */
  timeout?: number
  /** Saves the job's checkpoint when the step completes. Default true; false defers it to the next one. */
  checkpoint?: boolean
  /** A human-readable description (documentation only). */
  description?: string
}

/** A step: a name, a function and its options. */
export interface StepDefinition<TState, TResults, TName extends string, TResult> extends StepOptions {
  /** Unique within the job; it identifies the step's saved result, so keep it stable across versions. */
  name: TName
  run(
    context: StepContext<TState, TResults>,
  ): StepOutput<TState, TResult> | Promise<StepOutput<TState, TResult>>
}

/** A step as the executor holds it: validated, with its defaults. */
export interface ResolvedStep {
  name: string
  index: number
  retries: number
  retryDelay: RetryDelay
  backoff: 'fixed' | 'exponential'
  maxRetryDelay: number
  retryIf: ((error: unknown, attempt: number) => boolean) | undefined
  timeout: number | undefined
  checkpoint: boolean
  run(context: StepContext<unknown, unknown>): unknown
}

/** Validates a step definition and applies the defaults; bad options throw `ConfigError` naming the field. */
export function resolveStep(
  definition: StepDefinition<never, never, string, unknown>,
  index: number,
  existing: readonly ResolvedStep[],
): ResolvedStep {
  if (definition === null || typeof definition !== 'object') {
    throw new ConfigError({ message: `step ${index}: pass an object { name, run, ...options }.` })
  }
  const { name } = definition
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigError({
      message: `step ${index}: name must be a non-empty string; got ${JSON.stringify(name)}.`,
    })
  }
  const where = `step "${name}"`
  if (existing.some((step) => step.name === name)) {
    throw new ConfigError({
      message: `${where}: a step with this name already exists in the job. Step names must be unique: they identify saved results.`,
    })
  }
  if (typeof definition.run !== 'function') {
    throw new ConfigError({ message: `${where}: run must be a function (context) => ({ state?, result? }).` })
  }
  const retries = definition.retries ?? 0
  if (!Number.isInteger(retries) || retries < 0) {
    throw new ConfigError({ message: `${where}: retries must be an integer >= 0; got ${String(retries)}.` })
  }
  const retryDelay = definition.retryDelay ?? 1000
  if (typeof retryDelay !== 'function') nonNegative(retryDelay, `${where}: retryDelay`)
  const backoff = definition.backoff ?? 'fixed'
  if (backoff !== 'fixed' && backoff !== 'exponential') {
    throw new ConfigError({
      message: `${where}: backoff must be 'fixed' or 'exponential'; got ${JSON.stringify(backoff)}.`,
    })
  }
  const maxRetryDelay = nonNegative(definition.maxRetryDelay ?? 30_000, `${where}: maxRetryDelay`)
  if (definition.retryIf !== undefined && typeof definition.retryIf !== 'function') {
    throw new ConfigError({ message: `${where}: retryIf must be a function (error, attempt) => boolean.` })
  }
  const timeout = definition.timeout
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0)) {
    throw new ConfigError({
      message: `${where}: timeout must be a positive number of milliseconds; got ${String(timeout)}.`,
    })
  }
  const checkpoint = definition.checkpoint ?? true
  if (typeof checkpoint !== 'boolean') {
    throw new ConfigError({ message: `${where}: checkpoint must be true or false.` })
  }
  return {
    name,
    index,
    retries,
    retryDelay,
    backoff,
    maxRetryDelay,
    retryIf: definition.retryIf,
    timeout,
    checkpoint,
    run: definition.run as ResolvedStep['run'],
  }
}

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError({
      message: `${field} must be a number of milliseconds >= 0; got ${JSON.stringify(value)}.`,
    })
  }
  return value
}

/** The wait before retry number `retry` (1 for the first retry), in milliseconds. */
export function retryDelayOf(step: ResolvedStep, retry: number, error: unknown): number {
  if (typeof step.retryDelay === 'function') {
    const delay = step.retryDelay(retry, error)
    return Number.isFinite(delay) && delay > 0 ? delay : 0
  }
  if (step.backoff === 'fixed') return step.retryDelay
  return Math.min(step.retryDelay * 2 ** (retry - 1), step.maxRetryDelay)
}
