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

/** Removes API keys and anything shaped like one from a text. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) result = result.split(secret).join('[redacted]')
  }
  return result.replace(/\b(sk|pk|rk|gsk|xai|nvapi)[-_][A-Za-z0-9_-]{8,}/g, '[redacted]')
}

/** Options of {@link classifyError}. */
export interface ClassifyErrorOptions {
  /** The provider name the error names, such as `openai`. */
  provider: string
  error: unknown
  /** Secrets to remove from the message (the API key). */
  secrets?: readonly (string | undefined)[]
  /** The environment variable holding the key, named in the advice of a 401. */
  apiKeyVariable?: string
}

/** Classifies anything a provider SDK threw. Keeps an existing `ModelError` as it is. */
export function classifyError(options: ClassifyErrorOptions): ClassifiedFailure {
  const { provider, error } = options
  if (error instanceof ModelError) return { error, retryAfterMs: undefined }
  const status = numberOf(field(error, 'status')) ?? numberOf(field(error, 'statusCode'))
  const headers = (field(error, 'headers') ?? field(error, 'responseHeaders')) as HeadersLike | undefined
  const name = error instanceof Error ? `${error.constructor.name} ${error.name}` : ''
  const body = field(error, 'error') as Loose
  // OpenAI puts { code, type, message } in `error`; Anthropic puts the whole body { type, error: {...} }.
  const inner = (field(body, 'error') as Loose) ?? body
  const dataError = field(field(error, 'data'), 'error') as Loose
  let code =
    stringOf(field(error, 'code')) ??
    stringOf(field(inner, 'code')) ??
    stringOf(field(inner, 'type')) ??
    stringOf(field(dataError, 'code')) ??
    stringOf(field(dataError, 'type')) ??
    stringOf(field(error, 'type'))
  let providerMessage =
    stringOf(field(inner, 'message')) ??
    stringOf(field(dataError, 'message')) ??
    (error instanceof Error ? error.message : String(error))

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

  const where = [status === undefined ? undefined : `status ${status}`, code].filter(Boolean).join(', ')
  const message = redactSecrets(
    `${provider} request failed${where === '' ? '' : ` (${where})`}: ${providerMessage}${advice(status, code, options.apiKeyVariable)}`,
    options.secrets,
  )
  const modelError = new ModelError({
    provider,
    message,
    isRetryable: retryable,
    ...(status === undefined ? {} : { statusCode: status }),
    ...(code === undefined ? {} : { code }),
  })
  return { error: modelError, retryAfterMs: parseRetryAfter(headers) }
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
): string {
  if (status === 401 || status === 403) {
    return ` Check the API key${apiKeyVariable === undefined ? '' : ` (option apiKey or ${apiKeyVariable})`} and its permissions.`
  }
  if (status === 404) return ' Check the model id and the baseURL.'
  if (status === 429) return ' The provider is rate limiting; retries honour its Retry-After.'
  if (status !== undefined && status >= 500) return ' The provider is failing; try again later.'
  if (code === 'timeout') return ' Raise the timeout option or check the network path to the provider.'
  if (code === 'connection_error') return ' Check the baseURL and the network path to the provider.'
  return ''
}
