import { describe, expect, it } from 'vitest'
import {
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
  retryPolicy,
  shouldRetryHeader,
} from './retry-policy.js'

describe('retry policy', () => {
  it('retries 408, 409, 429 and 5xx, never other 4xx', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504, 529])
      expect(isRetryableStatus(status)).toBe(true)
    for (const status of [400, 401, 403, 404, 422]) expect(isRetryableStatus(status)).toBe(false)
  })

  it('reads retry-after-ms, Retry-After seconds and Retry-After HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250.5' }), now)).toBe(250.5)
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }), now)).toBe(3000)
    expect(parseRetryAfter({ 'Retry-After': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000)
    expect(parseRetryAfter({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, now)).toBe(0)
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined()
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined()
    // retry-after-ms wins over Retry-After
    expect(parseRetryAfter({ 'retry-after-ms': '10', 'retry-after': '9' }, now)).toBe(10)
  })

  it('reads x-should-retry', () => {
    expect(shouldRetryHeader({ 'x-should-retry': 'true' })).toBe(true)
    expect(shouldRetryHeader({ 'x-should-retry': 'false' })).toBe(false)
    expect(shouldRetryHeader({})).toBeUndefined()
  })

  it('backs off exponentially with jitter, capped, and honours the server wait up to its cap', () => {
    const policy = retryPolicy({ initialDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 })
    expect(retryDelay(policy, 1, undefined, () => 0)).toBe(50)
    expect(retryDelay(policy, 1, undefined, () => 1)).toBe(100)
    expect(retryDelay(policy, 3, undefined, () => 1)).toBe(400)
    expect(retryDelay(policy, 10, undefined, () => 1)).toBe(1000)
    expect(retryDelay(policy, 1, 2000)).toBe(2000)
    expect(retryDelay(policy, 1, 60_000)).toBe(5000)
    expect(retryPolicy().maxRetries).toBe(2)
  })
})
