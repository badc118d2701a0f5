/**
 * The settings of a circuit breaker, their defaults and their checks. Bad settings are a
 * `ConfigError` naming the option and what it accepts.
 *
 * @module
 */
import { checkOptionKeys, checkOptionsObject, describeValue } from '../errors/check-options.js'
import { ConfigError, ModelError } from '../errors/errors.js'
import type { CircuitStateChange } from './circuit-state.js'

/** Settings of a circuit breaker. Every threshold has a default; see docs/resilience.md. */
export interface CircuitBreakerOptions {
  /** Counted failures in a row that open the circuit (default 5; `0` turns this rule off). */
  consecutiveFailures?: number
  /**
   * Open when the share of counted failures over the rolling window reaches this rate, between 0
   * (exclusive) and 1 (default: off). Only judged once the window holds `minimumCalls` calls.
   */
  failureRate?: number
  /** Length of the rolling window of `failureRate`, in ms (default 60000). */
  windowMs?: number
  /** Calls the window must hold before `failureRate` may open the circuit (default 10). */
  minimumCalls?: number
  /** How long an open circuit fails calls fast before it lets one probe call through, in ms (default 30000). */
  halfOpenAfterMs?: number
  /**
   * The longest a provider's `Retry-After` may keep the circuit open, in ms (default 300000). An
   * open circuit waits for the longer of `halfOpenAfterMs` and the last failure's `Retry-After`.
   */
  maxOpenMs?: number
  /**
   * Which errors count as failures of the provider. Default: a `ModelError` with `isRetryable`
   * (5xx, 408, 409, 429, timeouts, cut connections), the failures the retry logic also retries. A
   * 400-class error means the provider answered: it counts as a healthy call.
   */
  isFailure?: (error: unknown) => boolean
  /** The clock, in ms since the epoch (default `Date.now`); tests pass a fake one. */
  now?: () => number
  /** Called on every change of state (after the change). An exception it throws is ignored. */
  onStateChange?: (change: CircuitStateChange) => void
}

/** Settings with their defaults filled in. */
export interface CircuitBreakerSettings {
  consecutiveFailures: number
  failureRate: number | undefined
  windowMs: number
  minimumCalls: number
  halfOpenAfterMs: number
  maxOpenMs: number
  isFailure: (error: unknown) => boolean
  now: () => number
  onStateChange: ((change: CircuitStateChange) => void) | undefined
}

const KNOWN = [
  'consecutiveFailures',
  'failureRate',
  'windowMs',
  'minimumCalls',
  'halfOpenAfterMs',
  'maxOpenMs',
  'isFailure',
  'now',
  'onStateChange',
]

/** The default of `isFailure`: the failures worth a retry, except our own fast "circuit open" errors. */
export function isRetryableModelFailure(error: unknown): boolean {
  return error instanceof ModelError && error.isRetryable && error.code !== 'circuit_open'
}

/** Checks the options and fills in the defaults; `extra` names option keys a caller adds around them. */
export function circuitBreakerSettings(
  input: CircuitBreakerOptions | undefined,
  field = 'CircuitBreaker',
  extra: readonly string[] = [],
): CircuitBreakerSettings {
  const options = checkOptionsObject(input, field)
  checkOptionKeys(options, [...KNOWN, ...extra], field)
  const integer = (name: keyof CircuitBreakerOptions, fallback: number, minimum: number) => {
    const value = options[name]
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
      throw new ConfigError({
        message: `${field}: ${name} must be an integer >= ${minimum}; got ${describeValue(value)}.`,
      })
    }
    return value
  }
  const rate = options.failureRate
  if (rate !== undefined && (typeof rate !== 'number' || !(rate > 0 && rate <= 1))) {
    throw new ConfigError({
      message: `${field}: failureRate must be a number above 0 and at most 1 (0.5 opens at half the calls failing); got ${describeValue(rate)}.`,
    })
  }
  for (const name of ['isFailure', 'now', 'onStateChange'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new ConfigError({
        message: `${field}: ${name} must be a function; got ${describeValue(options[name])}.`,
      })
    }
  }
  const settings: CircuitBreakerSettings = {
    consecutiveFailures: integer('consecutiveFailures', 5, 0),
    failureRate: rate,
    windowMs: integer('windowMs', 60_000, 1),
    minimumCalls: integer('minimumCalls', 10, 1),
    halfOpenAfterMs: integer('halfOpenAfterMs', 30_000, 1),
    maxOpenMs: integer('maxOpenMs', 300_000, 1),
    isFailure: options.isFailure ?? isRetryableModelFailure,
    now: options.now ?? Date.now,
    onStateChange: options.onStateChange,
  }
  if (settings.consecutiveFailures === 0 && settings.failureRate === undefined) {
    throw new ConfigError({
      message: `${field}: consecutiveFailures is 0 and failureRate is not set, so nothing could open the circuit. Set consecutiveFailures >= 1 or a failureRate.`,
    })
  }
  return settings
}
