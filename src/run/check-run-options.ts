/**
 * Checks what callers hand to the runtime's public entry points (`new Runtime`, `run`, `stream`,
 * `resume`) before anything starts: unknown option keys get a "did you mean", wrong types are
 * named with the value given, and a value that is not an `Agent` or an `AbortSignal` gets a
 * `ConfigError` instead of a `TypeError` from deep inside the loop.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import { checkOptionKeys, checkOptionsObject, describeValue } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'

/** The keys of `RunOptions`; a new run option must be added here too. */
export const RUN_OPTION_KEYS = [
  'context',
  'signal',
  'timeoutMs',
  'maxTurns',
  'runId',
  'session',
  'parent',
  'executeInputToolCalls',
] as const

/** The keys of `ResumeOptions`. */
export const RESUME_OPTION_KEYS = [
  'approvals',
  'context',
  'signal',
  'timeoutMs',
  'maxTurns',
  'input',
] as const

/** The keys of `RuntimeOptions`; a new runtime option must be added here too. */
export const RUNTIME_OPTION_KEYS = [
  'hooks',
  'toolConcurrency',
  'timeoutMs',
  'streamHighWaterMark',
  'storage',
  'agents',
  'models',
  'runnables',
  'resolveRunnable',
  'queue',
  'bus',
  'runner',
  'observers',
] as const

const ALIASES = { timeout: 'timeoutMs', store: 'storage', ctx: 'context', abortSignal: 'signal' }

/** Checks the options of `new Runtime(...)` (their values are checked by the constructor). */
export function checkRuntimeOptions<T extends object>(options: T | undefined): T {
  const checked = checkOptionsObject(options, 'new Runtime(options)')
  checkOptionKeys(checked, RUNTIME_OPTION_KEYS, 'new Runtime(options)', ALIASES)
  return checked
}

/** Checks the options of a run, a stream or a resume: the keys, and the `signal`. */
export function checkRunOptions<T extends object>(
  options: T | undefined,
  field: 'run options' | 'resume options',
): T {
  const checked = checkOptionsObject(options, field)
  checkOptionKeys(checked, field === 'run options' ? RUN_OPTION_KEYS : RESUME_OPTION_KEYS, field, ALIASES)
  const signal = (checked as { signal?: unknown }).signal
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new ConfigError({
      message: `${field}: signal must be an AbortSignal (such as new AbortController().signal or AbortSignal.timeout(ms)); got ${describeValue(signal)}.`,
    })
  }
  return checked
}

/** Throws a `ConfigError` unless `agent` is an `Agent` (a plain object with the same fields is not). */
export function checkAgent(agent: unknown, entry: string): void {
  const candidate = agent as Partial<Agent<unknown, unknown>> | null | undefined
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.getTool === 'function' &&
    typeof candidate.context === 'object' &&
    Array.isArray(candidate.modelTools)
  ) {
    return
  }
  const plain = typeof agent === 'object' && agent !== null && !Array.isArray(agent)
  throw new ConfigError({
    message: `${entry}: the first argument must be an Agent; got ${describeValue(agent)}.${plain ? ' Create it with new Agent({ name, model, ... }): a plain object is not an agent.' : " Pass new Agent({ name, model, ... }), e.g. run(agent, 'Hi')."}`,
  })
}

/** A whole number >= 1, or `fallback` when absent. */
export function positiveInteger(value: unknown, fallback: number, field: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError({ message: `${field} must be a positive integer; got ${describeValue(value)}.` })
  }
  return value
}

/** A positive, finite number of milliseconds. */
export function positiveMilliseconds(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError({
      message: `${field} must be a positive number of milliseconds; got ${describeValue(value)}.`,
    })
  }
  return value
}

function isAbortSignal(value: unknown): value is AbortSignal {
  if (value instanceof AbortSignal) return true
  const signal = value as Partial<AbortSignal> | null
  return (
    typeof signal === 'object' &&
    signal !== null &&
    typeof signal.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function' &&
    typeof signal.removeEventListener === 'function'
  )
}
