/**
 * Turns whatever a provider SDK throws (HTTP errors, connection failures, timeouts, errors sent
 * inside a stream) into a `ModelError` with the provider's status, code and message, and never a
 * secret: API keys are removed from every message.
 *
 * @module
 */
import { ModelError } from '../../errors/errors.js'
import { type HeadersLike, isRetryableStatus, parseRetryAfter, shouldRetryHeader } from './retry-policy.js'

/** A failure, classified: the error to throw and the wait the server asked for before a retry. */
export interface ClassifiedFailure {
  error: ModelError
  retryAfterMs: number | undefined
}

/** Error codes sent inside a stream (no HTTP status) that mean "try again later". */
const RETRYABLE_CODES = new Set([
  'overloaded_error',
  'api_error',
  'rate_limit_error',
  'rate_limit_exceeded',
  'server_error',
  'internal_error',
  'internal_server_error',
  'service_unavailable',
  'timeout',
  'idle_timeout',
  'connection_error',
  'stream_incomplete',
])

/** Network failures that fetch (undici) reports as plain errors. */
const CONNECTION_PATTERN =
  /fetch failed|terminated|socket|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|other side closed|network|premature close/i

type Loose = Record<string, unknown> | undefined

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number') return String(value)
  return undefined
}

/** Configured secrets shorter than this are not searched for: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 8

/**
 * Removes API keys and anything shaped like one from a text. Only real secrets are given here:
 * the placeholder keys of local servers (`ollama`, `EMPTY`) are not secrets and must never be.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= MIN_SECRET_LENGTH)
      result = result.split(secret).join('[redacted]')
  }
  return result.replace(/\b(sk|pk|rk|gsk|xai|nvapi)[-_][A-Za-z0-9_-]{8,}/g, '[redacted]')
}

/** What a provider reported about a failure, before it becomes a `ModelError`. */
export interface ProviderFailure {
  provider: string
  /** What happened, in the provider's words (a sentence of ours is added after it). */
  providerMessage: string
  statusCode?: number | undefined
  code?: string | undefined
  type?: string | undefined
  requestId?: string | undefined
  isRetryable: boolean
  /** The wait the provider asked for (`Retry-After`), kept on the error for circuit breakers and servers. */
  retryAfterMs?: number | undefined
  /** Our advice, a sentence of its own. */
  advice?: string | undefined
  /** Where the error came from, for the message: `request failed` (default) or `sent an error inside the stream`. */
  what?: string
  secrets?: readonly (string | undefined)[]
}

/** Ends a provider's message as a sentence, so our advice after it reads as a sentence of its own. */
function sentence(text: string): string {
  const trimmed = text.trim()
  if (trimmed === '') return 'no message.'
  return /[.!?)\]"']$/.test(trimmed) ? trimmed : `${trimmed}.`
}

/**
 * Builds the `ModelError` of a provider failure. Every text field (message, code, type, request
 * id) goes through {@link redactSecrets}: a provider that echoes the API key in any of them never
 * gets it printed by `console.error(error)`.
 */
export function providerError(failure: ProviderFailure): ModelError {
  const redact = (value: string | undefined) =>
    value === undefined ? undefined : redactSecrets(value, failure.secrets)
  const code = failure.code === String(failure.statusCode) ? undefined : failure.code
  const where = [failure.statusCode === undefined ? undefined : `status ${failure.statusCode}`, code]
    .filter(Boolean)
    .join(', ')
  const message = `${failure.provider} ${failure.what ?? 'request failed'}${where === '' ? '' : ` (${where})`}: ${sentence(failure.providerMessage)}${failure.advice === undefined ? '' : ` ${failure.advice}`}`
  return new ModelError({
    provider: failure.provider,
    message: redact(message) as string,
    isRetryable: failure.isRetryable,
    statusCode: failure.statusCode,
    code: redact(failure.code),
    type: redact(failure.type),
    requestId: redact(failure.requestId),
    retryAfterMs: failure.retryAfterMs,
  })
}

/** A `ModelError` with its text fields redacted and a request id added when it had none. */
function redactModelError(
  error: ModelError,
  secrets: readonly (string | undefined)[] | undefined,
  requestId: string | undefined,
): ModelError {
  const redact = (value: string | undefined) =>
    value === undefined ? undefined : redactSecrets(value, secrets)
  const message = redact(error.message) as string
  const id = error.requestId ?? requestId
  if (
    message === error.message &&
    redact(error.code) === error.code &&
    redact(error.type) === error.type &&
    id === error.requestId
  ) {
    return error
  }
  return new ModelError({
    provider: error.provider,
    message,
    isRetryable: error.isRetryable,
    statusCode: error.statusCode,
    code: redact(error.code),
    type: redact(error.type),
    requestId: redact(id),
    retryAfterMs: error.retryAfterMs,
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  })
}

/** Codes and types that mean "try again later", matched loosely (vendors spell them differently). */
const RETRYABLE_PATTERN = /server_error|overloaded|rate_limit|timeout|unavailable|internal_error|api_error/

/**
 * The `ModelError` of an error a provider sent inside a 200 stream (`data: {"error": ...}`, an
 * `error` event, `response.failed`). Its class and retryability come from the provider's own code,
 * type or numeric status, exactly as for an HTTP error: a 400-class error (a token limit, a bad
 * request) is never retryable because it arrived after part of the answer.
 */
export function streamReportedError(
  provider: string,
  body: Record<string, unknown> | undefined,
  options: { fallbackMessage?: string; secrets?: readonly (string | undefined)[]; requestId?: string } = {},
): ModelError {
  const numeric = numberOf(body?.code) ?? numberOf(body?.status)
  const statusCode = numeric !== undefined && numeric >= 400 && numeric < 600 ? numeric : undefined
  const type = stringOf(body?.type)
  const code = (typeof body?.code === 'string' && body.code !== '' ? body.code : undefined) ?? type
  const isRetryable =
    statusCode !== undefined
      ? isRetryableStatus(statusCode)
      : code !== undefined && (RETRYABLE_CODES.has(code) || RETRYABLE_PATTERN.test(code))
  return providerError({
    provider,
    what: 'sent an error inside the stream',
    providerMessage: stringOf(body?.message) ?? options.fallbackMessage ?? 'unknown error',
    statusCode,
    code,
    type: type === 'error' ? undefined : type,
    requestId: options.requestId,
    isRetryable,
    secrets: options.secrets,
  })
}

/** Options of {@link classifyError}. */
export interface ClassifyErrorOptions {
  /** The provider name the error names, such as `openai`. */
  provider: string
  error: unknown
  /** Secrets to remove from every field of the error (the API key). */
  secrets?: readonly (string | undefined)[]
  /** The environment variable holding the key, named in the advice of a 401. */
  apiKeyVariable?: string
  /** The provider's request id, when the adapter knows it (a stream's response headers). */
  requestId?: string | undefined
}

/** Classifies anything a provider SDK threw. An existing `ModelError` keeps its class. */
export function classifyError(options: ClassifyErrorOptions): ClassifiedFailure {
  const { provider, error } = options
  if (error instanceof ModelError) {
    return { error: redactModelError(error, options.secrets, options.requestId), retryAfterMs: undefined }
  }
  let status = numberOf(field(error, 'status')) ?? numberOf(field(error, 'statusCode'))
  if (status === undefined && !(error instanceof Error) && typeof field(error, 'message') === 'string') {
    // A plain error body, as an AI SDK stream reports an error sent inside the stream.
    return {
      error: streamReportedError(provider, error as Record<string, unknown>, {
        secrets: options.secrets ?? [],
        ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      }),
      retryAfterMs: undefined,
    }
  }
  const headers = (field(error, 'headers') ?? field(error, 'responseHeaders')) as HeadersLike | undefined
  const name = error instanceof Error ? `${error.constructor.name} ${error.name}` : ''
  const body = (field(error, 'error') ?? field(error, 'data')) as Loose
  // OpenAI puts { code, type, message } in `error`; Anthropic puts the whole body { type, error: {...} }.
  const inner = (field(body, 'error') as Loose) ?? body
  const type = stringOf(field(inner, 'type'))
  // An error sent inside a stream has no HTTP status; some servers (OpenRouter) put it in `code`.
  const numericCode = numberOf(field(inner, 'code'))
  if (status === undefined && numericCode !== undefined && numericCode >= 400 && numericCode < 600)
    status = numericCode
  let code =
    stringOf(field(error, 'code')) ??
    stringOf(field(inner, 'code')) ??
    type ??
    (stringOf(field(error, 'type')) === 'error' ? undefined : stringOf(field(error, 'type')))
  let providerMessage =
    stringOf(field(inner, 'message')) ?? (error instanceof Error ? error.message : String(error))
  const requestId =
    stringOf(field(error, 'requestID')) ??
    headerValue(headers, 'x-request-id') ??
    headerValue(headers, 'request-id') ??
    stringOf(field(body, 'request_id')) ??
    options.requestId

  let retryable: boolean
  if (/Timeout/i.test(name) || code === 'ETIMEDOUT') {
    code = 'timeout'
    retryable = true
    providerMessage = 'The request timed out before the provider answered.'
  } else if (status !== undefined) {
    retryable = isRetryableStatus(status)
  } else if (/ConnectionError/.test(name) || CONNECTION_PATTERN.test(causeText(error))) {
    code ??= 'connection_error'
    if (code !== 'connection_error' && !RETRYABLE_CODES.has(code)) code = 'connection_error'
    retryable = true
  } else {
    retryable = code !== undefined && RETRYABLE_CODES.has(code)
  }
  const explicit = field(error, 'isRetryable')
  if (typeof explicit === 'boolean') retryable = explicit
  const header = shouldRetryHeader(headers)
  if (header !== undefined) retryable = header

  const retryAfterMs = parseRetryAfter(headers)
  const modelError = providerError({
    provider,
    providerMessage,
    retryAfterMs,
    statusCode: status,
    code,
    type,
    requestId,
    isRetryable: retryable,
    advice: advice(status, code, options.apiKeyVariable),
    secrets: options.secrets,
  })
  return { error: modelError, retryAfterMs }
}

function headerValue(headers: HeadersLike | undefined, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined
  if (typeof (headers as { get?: unknown }).get === 'function')
    return stringOf((headers as { get(name: string): string | null }).get(name))
  for (const [key, value] of Object.entries(headers as Record<string, unknown>))
    if (key.toLowerCase() === name) return stringOf(value)
  return undefined
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function causeText(error: unknown): string {
  let text = ''
  let current: unknown = error
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    text += ` ${String(field(current, 'message') ?? '')} ${String(field(current, 'code') ?? '')}`
    current = field(current, 'cause')
  }
  return text
}

function advice(
  status: number | undefined,
  code: string | undefined,
  apiKeyVariable: string | undefined,
): string | undefined {
  if (status === 401 || status === 403) {
    return `Check the API key${apiKeyVariable === undefined ? '' : ` (option apiKey or ${apiKeyVariable})`} and its permissions.`
  }
  if (status === 404) return 'Check the model id and the baseURL.'
  if (status === 429) return 'The provider is rate limiting; retries honour its Retry-After.'
  if (status !== undefined && status >= 500) return 'The provider is failing; try again later.'
  if (code === 'timeout') return 'Raise the timeout option or check the network path to the provider.'
  if (code === 'connection_error') return 'Check the baseURL and the network path to the provider.'
  return undefined
}
