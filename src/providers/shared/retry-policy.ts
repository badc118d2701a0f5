/**
 * When and how long to wait before trying a failed provider call again: which failures are worth a
 * retry, what `Retry-After` / `retry-after-ms` ask for, and exponential backoff with jitter.
 *
 * @module
 */

/** Retry settings of a model adapter. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2): a call sends at most `maxRetries + 1` requests. */
  maxRetries?: number
  /** The first backoff delay in ms (default 500); doubled each retry, with jitter. */
  initialDelayMs?: number
  /** The longest backoff delay in ms (default 8000). */
  maxDelayMs?: number
  /** The longest wait a `Retry-After` header may impose, in ms (default 60000); longer ones are capped. */
  maxRetryAfterMs?: number
}

/** Retry settings with every default filled in. */
export type RetryPolicy = Required<RetryOptions>

/** Fills in the defaults of {@link RetryOptions}. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    maxRetries: options.maxRetries ?? 2,
    initialDelayMs: options.initialDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 8000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
  }
}

/** HTTP statuses worth a retry: timeouts, conflicts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500
}

/** Something with a case-insensitive `get`, like `Headers`, or a plain record. */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | undefined>

function header(headers: HeadersLike | undefined, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined
  }
  const record = headers as Record<string, string | undefined>
  for (const key of Object.keys(record)) if (key.toLowerCase() === name) return record[key]
  return undefined
}

/**
 * The wait the server asked for, in ms: `retry-after-ms` (milliseconds), else `Retry-After` as
 * seconds or as an HTTP date. Undefined when absent, unparsable or negative.
 */
export function parseRetryAfter(
  headers: HeadersLike | undefined,
  now: number = Date.now(),
): number | undefined {
  const milliseconds = header(headers, 'retry-after-ms')
  if (milliseconds !== undefined) {
    const value = Number.parseFloat(milliseconds)
    if (Number.isFinite(value) && value >= 0) return value
  }
  const retryAfter = header(headers, 'retry-after')?.trim()
  if (retryAfter === undefined || retryAfter === '') return undefined
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number.parseFloat(retryAfter) * 1000
  const date = Date.parse(retryAfter)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/** The `x-should-retry` header some providers send to overrule the status: true, false or undefined. */
export function shouldRetryHeader(headers: HeadersLike | undefined): boolean | undefined {
  const value = header(headers, 'x-should-retry')
  if (value === 'true') return true
  if (value === 'false') return false
  return undefined
}

/**
 * The wait before retry number `retry` (1 for the first retry): the server's `Retry-After` when it
 * sent one (capped at `maxRetryAfterMs`), else exponential backoff with jitter (between 50% and
 * 100% of `initialDelayMs * 2^(retry-1)`, capped at `maxDelayMs`).
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs)
  const base = Math.min(policy.initialDelayMs * 2 ** (retry - 1), policy.maxDelayMs)
  return base * (0.5 + random() * 0.5)
}
