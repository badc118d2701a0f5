/**
 * The one error shape every route answers with: `{ error: { type, message } }` and a status. A
 * route throws an `HttpError`; the server's error handler turns it (and library errors) into JSON.
 *
 * @module
 */
import { BudgetExceededError } from '../errors/budget-exceeded-error.js'
import { ConfigError, ModelError } from '../errors/errors.js'
import { RecordNotFoundError, StorageConflictError, StoredDataError } from '../storage/storage-errors.js'

/** The statuses the API answers errors with, by `type`. */
export const ERROR_TYPES = {
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_request: 422,
  rate_limited: 429,
  budget_exceeded: 429,
  internal: 500,
  unavailable: 503,
} as const

/** The `type` of an API error. */
export type ErrorType = keyof typeof ERROR_TYPES

/** An API error's body. */
export interface ErrorBody {
  error: { type: ErrorType; message: string; field?: string }
}

/** An error a route throws to answer with a status and a message. */
export class HttpError extends Error {
  readonly type: ErrorType
  readonly status: number
  readonly field: string | undefined
  readonly headers: Record<string, string>

  constructor(options: {
    type: ErrorType
    message: string
    field?: string
    headers?: Record<string, string>
  }) {
    super(options.message)
    this.name = 'HttpError'
    this.type = options.type
    this.status = ERROR_TYPES[options.type]
    this.field = options.field
    this.headers = options.headers ?? {}
  }

  /** The JSON body. */
  toBody(): ErrorBody {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.field === undefined ? {} : { field: this.field }),
      },
    }
  }
}

/**
 * A provider's circuit breaker is open (`ModelError` code `circuit_open`): 503 with the breaker's
 * `Retry-After`, so clients back off for as long as the circuit stays open.
 */
export function circuitOpen(error: unknown): HttpError | undefined {
  if (!(error instanceof ModelError) || error.code !== 'circuit_open') return undefined
  const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000))
  return new HttpError({
    type: 'unavailable',
    message: error.message,
    headers: { 'Retry-After': String(seconds) },
  })
}

/**
 * A budget refused the run or its model call: 429 `budget_exceeded` with the budget named, and
 * `Retry-After` until its period resets (none for a run's own `maxTokens`).
 */
export function budgetExceeded(error: BudgetExceededError): HttpError {
  const { resetsAt } = error.budget
  return new HttpError({
    type: 'budget_exceeded',
    message: error.message,
    headers:
      resetsAt === undefined
        ? {}
        : { 'Retry-After': String(Math.max(1, Math.ceil((resetsAt - Date.now()) / 1000))) },
  })
}

/** A 404 naming what was looked for. */
export function notFound(what: string, id: string): HttpError {
  return new HttpError({ type: 'not_found', message: `There is no ${what} "${id}".` })
}

/**
 * Maps an error thrown while serving a request to an HTTP error: ours as they are, the library's
 * caller errors (bad input reaching a repository or the runtime) as 422/404/409. Anything else is
 * a 500 whose message hides the details (they go to the log).
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error
  if (error instanceof BudgetExceededError) return budgetExceeded(error)
  const circuit = circuitOpen(error)
  if (circuit !== undefined) return circuit
  if (error instanceof RecordNotFoundError)
    return new HttpError({ type: 'not_found', message: error.message })
  if (error instanceof StorageConflictError)
    return new HttpError({ type: 'conflict', message: error.message })
  if (error instanceof StoredDataError) {
    return new HttpError({
      type: 'internal',
      message: 'A stored record could not be read; see the server log.',
    })
  }
  if (error instanceof ConfigError) return new HttpError({ type: 'invalid_request', message: error.message })
  return new HttpError({
    type: 'internal',
    message: 'The server failed to answer this request; the request id in X-Request-Id finds it in the log.',
  })
}
