import { describe, expect, it } from 'vitest'
import { ModelError } from '../../errors/errors.js'
import { withCircuitBreaker } from '../../model/circuit-breakers.js'
import { openaiChat } from '../openai/openai-chat.js'

// The breaker and the retry logic share one reading of a failure: what the adapter classified as
// retryable, and the provider's Retry-After, which the ModelError now carries.
describe('a provider Retry-After reaches the circuit breaker', () => {
  it('a 429 with Retry-After: 90 keeps the circuit open for 90 s, not the default 30 s', async () => {
    let requests = 0
    const fetch = async () => {
      requests++
      return new Response(JSON.stringify({ error: { message: 'Slow down', type: 'rate_limit_exceeded' } }), {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '90' },
      })
    }
    const now = Date.UTC(2026, 11, 2, 3, 0, 0)
    const model = withCircuitBreaker(
      openaiChat('gpt-test', {
        apiKey: 'sk-test-key-000000',
        baseURL: 'http://127.0.0.1:9/v1',
        fetch,
        maxRetries: 0,
      }),
      { consecutiveFailures: 1, now: () => now, baseURL: 'http://127.0.0.1:9/v1' },
    )
    const request = { messages: [{ role: 'user' as const, content: 'Hi' }] }
    const first = await model.generate(request).catch((error: unknown) => error)
    expect(first).toBeInstanceOf(ModelError)
    expect((first as ModelError).isRetryable).toBe(true)
    expect((first as ModelError).retryAfterMs).toBe(90_000)
    const fast = (await model.generate(request).catch((error: unknown) => error)) as ModelError
    expect(fast.code).toBe('circuit_open')
    expect(fast.retryAfterMs).toBe(90_000)
    expect(requests).toBe(1)
    expect(model.circuitBreaker.snapshot().key).toBe('openai@http://127.0.0.1:9/v1')
  })
})
