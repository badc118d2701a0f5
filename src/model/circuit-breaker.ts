/**
 * A circuit breaker for one provider endpoint, written as one state table:
 *
 * | state     | event                                        | next      |
 * | --------- | -------------------------------------------- | --------- |
 * | closed    | `consecutiveFailures` in a row, or the window's failure rate reaches `failureRate` | open |
 * | open      | a call arrives before `retryAt`              | open (the call fails fast) |
 * | open      | a call arrives at or after `retryAt`         | half-open (that call is the probe) |
 * | half-open | the probe succeeds                           | closed    |
 * | half-open | the probe fails                              | open      |
 * | half-open | another call arrives while the probe runs    | half-open (the call fails fast) |
 * | any       | `reset()`                                    | closed    |
 *
 * A probe whose caller abandoned it (cancelled, stream dropped) frees the probe slot without a
 * verdict; a probe still running after `halfOpenAfterMs` counts as lost and lets another through.
 * Open periods last `halfOpenAfterMs`, or the failure's `Retry-After` when that is longer (capped
 * at `maxOpenMs`): the breaker honours what the provider asked, as the retry logic does.
 *
 * @module
 */
import { ModelError } from '../errors/errors.js'
import {
  type CircuitBreakerOptions,
  type CircuitBreakerSettings,
  circuitBreakerSettings,
} from './circuit-breaker-options.js'
import type {
  CircuitChangeReason,
  CircuitFailure,
  CircuitSnapshot,
  CircuitState,
  CircuitStateChange,
} from './circuit-state.js'
import { createRollingCounts } from './rolling-counts.js'

/** The endpoint a breaker guards. */
export interface CircuitTarget {
  provider: string
  /** The provider's base URL; calls to different URLs of one provider get different circuits. */
  baseURL?: string | undefined
}

/** Permission to make one call; settle it exactly once. */
export interface CircuitPermit {
  /** The call finished: without an error, or with the error it threw. */
  done(error?: unknown): void
  /** The call was abandoned (cancelled by its caller): no verdict on the provider. */
  release(): void
}

/** One provider endpoint's breaker. */
export interface CircuitBreaker {
  readonly key: string
  readonly provider: string
  readonly baseURL: string | undefined
  /** A permit for one call, or throws the fast `ModelError` (code `circuit_open`, status 503, retryable). */
  acquire(): CircuitPermit
  /** Runs `call` through the breaker. */
  execute<T>(call: () => Promise<T>): Promise<T>
  /** The state now, as plain JSON. */
  snapshot(): CircuitSnapshot
  /** Closes the circuit and forgets its counts (an admin action). */
  reset(): void
}

/** The key of a provider endpoint: `provider` alone, or `provider@baseURL`. */
export function circuitKey(target: CircuitTarget): string {
  const baseURL = normalizeBaseURL(target.baseURL)
  return baseURL === undefined ? target.provider : `${target.provider}@${baseURL}`
}

function normalizeBaseURL(baseURL: string | undefined): string | undefined {
  if (baseURL === undefined || baseURL === '') return undefined
  return baseURL.replace(/\/+$/, '')
}

/** Creates the breaker of one provider endpoint. */
export function createCircuitBreaker(target: CircuitTarget, options?: CircuitBreakerOptions): CircuitBreaker {
  return breakerWith(target, circuitBreakerSettings(options))
}

/** Creates a breaker from checked settings (the registry checks them once for all its breakers). */
export function breakerWith(target: CircuitTarget, settings: CircuitBreakerSettings): CircuitBreaker {
  const key = circuitKey(target)
  const provider = target.provider
  const baseURL = normalizeBaseURL(target.baseURL)
  const window = createRollingCounts(settings.windowMs)
  let state: CircuitState = 'closed'
  let consecutive = 0
  let opened = 0
  /** Bumped when the circuit opens or is reset: permits of an older generation have no say. */
  let generation = 0
  let openedAt = 0
  let retryAt = 0
  let probeStartedAt: number | undefined
  let lastFailure: CircuitFailure | undefined

  function change(to: CircuitState, reason: CircuitChangeReason, failure?: CircuitFailure): void {
    const from = state
    state = to
    const event: CircuitStateChange = {
      key,
      provider,
      baseURL,
      from,
      to,
      reason,
      at: new Date(settings.now()).toISOString(),
    }
    if (to === 'open') event.retryAt = new Date(retryAt).toISOString()
    if (failure !== undefined) event.failure = failure
    try {
      settings.onStateChange?.(event)
    } catch {
      // A listener's bug must not break the model call that triggered the change.
    }
  }

  function open(reason: CircuitChangeReason, error: unknown, failure: CircuitFailure): void {
    const now = settings.now()
    const asked = error instanceof ModelError ? error.retryAfterMs : undefined
    const wait = Math.max(settings.halfOpenAfterMs, Math.min(asked ?? 0, settings.maxOpenMs))
    opened++
    generation++
    openedAt = now
    retryAt = now + wait
    probeStartedAt = undefined
    change('open', reason, failure)
  }

  function rejection(now: number): ModelError {
    const probing = state === 'half-open'
    const at = probing ? (probeStartedAt ?? now) + settings.halfOpenAfterMs : retryAt
    const retryAfterMs = Math.max(0, at - now)
    const where = baseURL === undefined ? provider : `${provider} (${baseURL})`
    const last = lastFailure === undefined ? '' : ` Last failure: ${lastFailure.message}`
    return new ModelError({
      provider,
      statusCode: 503,
      isRetryable: true,
      code: 'circuit_open',
      retryAfterMs,
      message: probing
        ? `Circuit open for ${where}: a probe call is testing the provider; this call failed fast. Retry in ${seconds(retryAfterMs)} (at ${new Date(at).toISOString()}).${last}`
        : `Circuit open for ${where} after repeated failures; calls fail fast until ${new Date(at).toISOString()} (in ${seconds(retryAfterMs)}), then one probe call decides whether it closes.${last}`,
    })
  }

  function acquire(): CircuitPermit {
    const now = settings.now()
    let probe = false
    if (state === 'open') {
      if (now < retryAt) throw rejection(now)
      change('half-open', 'half-open')
    }
    if (state === 'half-open') {
      const lost = probeStartedAt !== undefined && now - probeStartedAt >= settings.halfOpenAfterMs
      if (probeStartedAt !== undefined && !lost) throw rejection(now)
      probeStartedAt = now
      probe = true
    }
    const permitGeneration = generation
    let settled = false
    return {
      done(error) {
        if (settled) return
        settled = true
        // A call that started before the circuit opened (or before a reset) has no say any more.
        if (generation !== permitGeneration) return
        if (error !== undefined && settings.isFailure(error)) failed(error, probe)
        else succeeded(probe)
      },
      release() {
        if (settled) return
        settled = true
        if (probe && state === 'half-open' && generation === permitGeneration) probeStartedAt = undefined
      },
    }
  }

  function succeeded(probe: boolean): void {
    consecutive = 0
    if (probe && state === 'half-open') {
      window.clear()
      change('closed', 'probe-succeeded')
      return
    }
    if (state === 'closed') window.record(settings.now(), false)
  }

  function failed(error: unknown, probe: boolean): void {
    const now = settings.now()
    const failure = describeFailure(error, now)
    lastFailure = failure
    if (probe && state === 'half-open') {
      open('probe-failed', error, failure)
      return
    }
    if (state !== 'closed') return
    consecutive++
    window.record(now, true)
    if (settings.consecutiveFailures > 0 && consecutive >= settings.consecutiveFailures) {
      open('consecutive-failures', error, failure)
      return
    }
    if (settings.failureRate !== undefined) {
      const { calls, failures } = window.totals(now)
      if (calls >= settings.minimumCalls && failures / calls >= settings.failureRate) {
        open('failure-rate', error, failure)
      }
    }
  }

  return {
    key,
    provider,
    baseURL,
    acquire,
    async execute(call) {
      const permit = acquire()
      try {
        const value = await call()
        permit.done()
        return value
      } catch (error) {
        permit.done(error)
        throw error
      }
    },
    snapshot() {
      const now = settings.now()
      const totals = window.totals(now)
      const view: CircuitSnapshot = {
        key,
        provider,
        baseURL,
        // An open circuit whose wait is over lets the next call through as the probe.
        state: state === 'open' && now >= retryAt ? 'half-open' : state,
        consecutiveFailures: consecutive,
        window: { ...totals, windowMs: settings.windowMs },
        opened,
      }
      if (state !== 'closed') {
        view.openedAt = new Date(openedAt).toISOString()
        view.retryAt = new Date(retryAt).toISOString()
      }
      if (lastFailure !== undefined) view.lastFailure = lastFailure
      return view
    },
    reset() {
      consecutive = 0
      window.clear()
      probeStartedAt = undefined
      // Calls in flight were judged against the old state: their verdicts no longer count.
      generation++
      if (state !== 'closed') {
        retryAt = 0
        change('closed', 'reset')
      }
    },
  }
}

function describeFailure(error: unknown, now: number): CircuitFailure {
  const failure: CircuitFailure = {
    message: error instanceof Error ? error.message : String(error),
    at: new Date(now).toISOString(),
  }
  if (error instanceof ModelError) {
    if (error.code !== undefined) failure.code = error.code
    if (error.statusCode !== undefined) failure.statusCode = error.statusCode
  }
  return failure
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.ceil(ms)} ms` : `${Math.ceil(ms / 1000)} s`
}
