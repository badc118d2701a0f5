/**
 * The plain JSON views of a circuit breaker: its state (for `/health` and metrics) and its state
 * changes (for logs and events).
 *
 * @module
 */

/** `closed`: calls pass. `open`: calls fail fast. `half-open`: one probe call decides. */
export type CircuitState = 'closed' | 'open' | 'half-open'

/** Why a circuit changed state. */
export type CircuitChangeReason =
  /** `consecutiveFailures` counted failures in a row. */
  | 'consecutive-failures'
  /** The failure rate over the window reached `failureRate`. */
  | 'failure-rate'
  /** The open period ended: the next call is the probe. */
  | 'half-open'
  /** The probe call succeeded (or the provider answered with an error that does not count). */
  | 'probe-succeeded'
  /** The probe call failed: open again. */
  | 'probe-failed'
  /** An admin reset it. */
  | 'reset'

/** The failure that opened (or kept open) a circuit, without anything secret (messages are redacted by the adapters). */
export interface CircuitFailure {
  message: string
  code?: string
  statusCode?: number
  /** ISO time of the failure. */
  at: string
}

/** What one circuit looks like now; plain JSON. */
export interface CircuitSnapshot {
  /** `provider` and `baseURL` joined: one circuit per provider endpoint. */
  key: string
  provider: string
  baseURL: string | undefined
  state: CircuitState
  /** Counted failures since the last success. */
  consecutiveFailures: number
  /** Calls and counted failures over the rolling window. */
  window: { calls: number; failures: number; windowMs: number }
  /** ISO time the circuit last opened, while it is open or half-open. */
  openedAt?: string
  /** ISO time an open circuit lets its probe through. */
  retryAt?: string
  /** How many times it has opened since it was created. */
  opened: number
  lastFailure?: CircuitFailure
}

/** One change of state, given to `onStateChange` listeners. */
export interface CircuitStateChange {
  key: string
  provider: string
  baseURL: string | undefined
  from: CircuitState
  to: CircuitState
  reason: CircuitChangeReason
  /** ISO time of the change. */
  at: string
  /** ISO time the circuit lets a probe through, when it opened. */
  retryAt?: string
  /** The failure that opened it, when one did. */
  failure?: CircuitFailure
}
