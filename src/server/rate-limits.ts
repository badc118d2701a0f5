/**
 * Per-key limits: requests per minute (rate-limiter-flexible, in memory or on Redis, so every
 * server node counts the same minute) and runs in flight (counted in this process, per key and for the whole process). Answers carry
 * the IETF `RateLimit-Policy` / `RateLimit` fields and the older `X-RateLimit-*` ones; a refusal
 * is a 429 with `Retry-After`.
 *
 * @module
 */
import type { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { ConfigError } from '../errors/errors.js'
import { HttpError } from './http-error.js'

/** Options of the limits (`createServer({ limits })`). */
export interface LimitOptions {
  /** Requests per key per minute (default 600). */
  requestsPerMinute?: number
  /** Runs (chat, completions, submitted runs) one key may have in flight at once (default 16). */
  concurrentRuns?: number
  /**
   * Runs this server process may have in flight at once, all keys together (default 256): what
   * keeps many keys, each within its own limit, from piling runs onto one process. One more is a
   * 429 with `Retry-After`.
   */
  processConcurrentRuns?: number
  /** Count requests in Redis (shared by every node) instead of this process's memory. */
  redis?: Redis
  /** Prefix of the Redis keys (default `agentloop:rl`). */
  redisPrefix?: string
}

/** Where a key stands. */
export interface LimitStatus {
  limit: number
  remaining: number
  /** Seconds until the window resets. */
  resetSeconds: number
}

/** The server's limiters. */
export interface Limits {
  readonly requestsPerMinute: number
  readonly concurrentRuns: number
  readonly processConcurrentRuns: number
  /** Counts one request; the headers to add; throws a 429 HttpError when over. */
  consume(keyId: string): Promise<Record<string, string>>
  /** Where a key stands, without counting a request. */
  status(keyId: string): Promise<LimitStatus>
  /** Reserves a run slot; the function releases it (once). Throws a 429 HttpError when all are taken. */
  acquireRun(keyId: string): () => void
  /** Runs in flight for a key, or in this process (no key). */
  inFlight(keyId?: string): number
}

const WINDOW_SECONDS = 60
const POLICY = 'default'

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError({
      message: `createServer: ${field} must be a positive integer; got ${String(value)}.`,
    })
  }
  return value
}

/** The limiters, from options. */
export function createLimits(options: LimitOptions = {}): Limits {
  const requestsPerMinute = positive(options.requestsPerMinute, 600, 'limits.requestsPerMinute')
  const concurrentRuns = positive(options.concurrentRuns, 16, 'limits.concurrentRuns')
  const processConcurrentRuns = positive(options.processConcurrentRuns, 256, 'limits.processConcurrentRuns')
  const memory = new RateLimiterMemory({ points: requestsPerMinute, duration: WINDOW_SECONDS })
  const limiter =
    options.redis === undefined
      ? memory
      : new RateLimiterRedis({
          storeClient: options.redis,
          points: requestsPerMinute,
          duration: WINDOW_SECONDS,
          keyPrefix: options.redisPrefix ?? 'agentloop:rl',
          // Redis down: count in memory rather than refuse every request or let every one through.
          insuranceLimiter: memory,
        })
  const running = new Map<string, number>()
  let total = 0

  const headers = (remaining: number, msBeforeNext: number): Record<string, string> => {
    const resetSeconds = Math.max(0, Math.ceil(msBeforeNext / 1000))
    return {
      'RateLimit-Policy': `"${POLICY}";q=${requestsPerMinute};w=${WINDOW_SECONDS}`,
      RateLimit: `"${POLICY}";r=${remaining};t=${resetSeconds}`,
      'X-RateLimit-Limit': String(requestsPerMinute),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Reset': String(Math.ceil((Date.now() + msBeforeNext) / 1000)),
    }
  }

  return {
    requestsPerMinute,
    concurrentRuns,
    processConcurrentRuns,
    async consume(keyId) {
      try {
        const result = await limiter.consume(keyId)
        return headers(result.remainingPoints, result.msBeforeNext)
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))
        throw new HttpError({
          type: 'rate_limited',
          message: `This API key made more than ${requestsPerMinute} requests in a minute; retry in ${retryAfter} s.`,
          headers: { ...headers(0, rejection.msBeforeNext), 'Retry-After': String(retryAfter) },
        })
      }
    },
    async status(keyId) {
      const result = await limiter.get(keyId)
      if (result === null) return { limit: requestsPerMinute, remaining: requestsPerMinute, resetSeconds: 0 }
      return {
        limit: requestsPerMinute,
        remaining: Math.max(0, requestsPerMinute - result.consumedPoints),
        resetSeconds: Math.max(0, Math.ceil(result.msBeforeNext / 1000)),
      }
    },
    acquireRun(keyId) {
      if (total >= processConcurrentRuns) {
        throw new HttpError({
          type: 'rate_limited',
          message: `This server has ${total} runs in flight, the most it takes at once (limits.processConcurrentRuns = ${processConcurrentRuns}). Retry shortly, or on another instance.`,
          headers: { 'Retry-After': '1' },
        })
      }
      const count = running.get(keyId) ?? 0
      if (count >= concurrentRuns) {
        throw new HttpError({
          type: 'rate_limited',
          message: `This API key has ${count} runs in flight, the most it may have at once (limits.concurrentRuns = ${concurrentRuns}). Wait for one to end.`,
          headers: { 'Retry-After': '1' },
        })
      }
      running.set(keyId, count + 1)
      total++
      let released = false
      return () => {
        if (released) return
        released = true
        total--
        const left = (running.get(keyId) ?? 1) - 1
        if (left <= 0) running.delete(keyId)
        else running.set(keyId, left)
      }
    },
    inFlight(keyId) {
      return keyId === undefined ? total : (running.get(keyId) ?? 0)
    },
  }
}
