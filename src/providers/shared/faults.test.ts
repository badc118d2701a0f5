import { collectResponse, ModelError, type ModelRequest, type ModelStreamPart } from 'agentloop'
import { type OpenAIChatOptions, openaiChat } from 'agentloop/openai'
import {
  createFakeProviderServer,
  type FakeProviderServer,
  openaiChatStream,
  openaiError,
} from 'agentloop/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

// Fault injection through the real OpenAI SDK: the shared retry/timeout code is the same for every adapter.
let server: FakeProviderServer
beforeAll(async () => {
  server = await createFakeProviderServer()
})
afterAll(() => server.close())
beforeEach(() => server.reset())

const API_KEY = 'sk-proj-fault-test-key-0123456789'
const request: ModelRequest = { messages: [{ role: 'user', content: 'Hi' }], tools: [], toolChoice: 'auto' }
const fast = { initialDelayMs: 1, maxDelayMs: 5 }
const model = (options: OpenAIChatOptions = {}) =>
  openaiChat('gpt-4o', { apiKey: API_KEY, baseURL: `${server.url}/v1`, retry: fast, ...options })
const ok = openaiChatStream({ text: 'Hello there', usage: { inputTokens: 3, outputTokens: 2 } })

async function drain(parts: AsyncIterable<ModelStreamPart>) {
  const seen: ModelStreamPart[] = []
  try {
    for await (const part of parts) seen.push(part)
    return { seen, error: undefined }
  } catch (error) {
    return { seen, error }
  }
}

describe('one retry budget per model call', () => {
  it('sends exactly maxRetries + 1 requests to a provider that always fails with 503 (stream and generate)', async () => {
    server.setFallback(openaiError(503, 'overloaded'))
    const { error } = await drain(model({ maxRetries: 2 }).stream(request))
    expect(error).toBeInstanceOf(ModelError)
    expect(error).toMatchObject({ statusCode: 503, isRetryable: true })
    expect((error as Error).message).toMatch(/gave up after 3 attempts/)
    expect(server.requests).toHaveLength(3)

    server.reset()
    server.setFallback(openaiError(503, 'overloaded'))
    await expect(model({ maxRetries: 4 }).generate(request)).rejects.toMatchObject({ statusCode: 503 })
    expect(server.requests).toHaveLength(5)
  })

  it('sends one request when maxRetries is 0', async () => {
    server.setFallback(openaiError(500))
    await expect(model({ maxRetries: 0 }).generate(request)).rejects.toBeInstanceOf(ModelError)
    expect(server.requests).toHaveLength(1)
  })

  for (const status of [400, 401, 403, 404, 422]) {
    it(`never retries ${status}`, async () => {
      server.setFallback(openaiError(status, 'no', 'bad_thing'))
      const { error } = await drain(model({ maxRetries: 3 }).stream(request))
      expect(error).toMatchObject({ statusCode: status, isRetryable: false, code: 'bad_thing' })
      expect(server.requests).toHaveLength(1)
    })
  }

  for (const status of [408, 409, 429, 500, 502, 503, 504]) {
    it(`retries ${status} and then succeeds`, async () => {
      server.enqueue(openaiError(status), ok)
      const response = await collectResponse('openai', model({ maxRetries: 1 }).stream(request))
      expect(response.content).toEqual([{ type: 'text', text: 'Hello there' }])
      expect(server.requests).toHaveLength(2)
    })
  }

  it('retries a connection cut before any event, and a refused connection, as connection errors', async () => {
    server.enqueue({ sse: ok.sse, cutAfterEvents: 0 }, ok)
    const response = await collectResponse('openai', model({ maxRetries: 1 }).stream(request))
    expect(response.usage).toMatchObject({ inputTokens: 3, outputTokens: 2 })
    expect(server.requests).toHaveLength(2)

    const closed = await createFakeProviderServer()
    const url = closed.url
    await closed.close()
    const refused = await openaiChat('gpt-4o', {
      apiKey: API_KEY,
      baseURL: `${url}/v1`,
      maxRetries: 2,
      retry: fast,
    })
      .generate(request)
      .catch((caught: unknown) => caught)
    expect(refused).toMatchObject({ isRetryable: true, code: 'connection_error' })
    expect((refused as Error).message).toMatch(/gave up after 3 attempts/)
  })
})

describe('Retry-After', () => {
  it('waits Retry-After seconds', async () => {
    server.enqueue(openaiError(429, 'slow down', 'rate_limit_exceeded', { 'retry-after': '1' }), ok)
    const started = Date.now()
    await collectResponse('openai', model({ maxRetries: 1 }).stream(request))
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(server.requests).toHaveLength(2)
  })

  it('waits until a Retry-After HTTP date', async () => {
    // Synthetic header (no recorded 429 with Retry-After exists): the date is 2 s ahead, at second precision.
    const date = new Date(Date.now() + 2000).toUTCString()
    server.enqueue(openaiError(503, 'busy', null, { 'retry-after': date }), ok)
    const started = Date.now()
    await model({ maxRetries: 1 }).generate(request)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
  })

  it('prefers retry-after-ms', async () => {
    server.enqueue(openaiError(429, 'slow down', null, { 'retry-after-ms': '300', 'retry-after': '30' }), ok)
    const started = Date.now()
    await model({ maxRetries: 1 }).generate(request)
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(280)
    expect(elapsed).toBeLessThan(5000)
  })

  it('does not retry when x-should-retry says false, even for a 503', async () => {
    server.setFallback(openaiError(503, 'down for good', null, { 'x-should-retry': 'false' }))
    await expect(model({ maxRetries: 3 }).generate(request)).rejects.toMatchObject({ isRetryable: false })
    expect(server.requests).toHaveLength(1)
  })
})

describe('timeouts', () => {
  it('fails a request that gets no answer within timeout, retrying it within the budget', async () => {
    server.setFallback({ ...ok, latencyMs: 1000 })
    const started = Date.now()
    const { error } = await drain(model({ timeout: 100, maxRetries: 1 }).stream(request))
    expect(error).toMatchObject({ code: 'timeout', isRetryable: true })
    expect(Date.now() - started).toBeLessThan(900)
    expect(server.requests).toHaveLength(2)
  })

  it('applies the timeout to non-streamed calls too', async () => {
    server.setFallback({ json: { choices: [] }, latencyMs: 1000 })
    await expect(model({ timeout: 100, maxRetries: 0 }).generate(request)).rejects.toMatchObject({
      code: 'timeout',
    })
  })

  it('retries a stream that stalls before any part reached the caller (idle timeout)', async () => {
    server.enqueue({ ...ok, stallAfterEvents: 1 }, ok)
    const response = await collectResponse(
      'openai',
      model({ idleTimeoutMs: 150, maxRetries: 1 }).stream(request),
    )
    expect(response.content).toEqual([{ type: 'text', text: 'Hello there' }])
    expect(server.requests).toHaveLength(2)
  })

  it('ends a stream that stalls mid-answer with a retryable idle_timeout ModelError and no finish part', async () => {
    server.setFallback({ ...ok, stallAfterEvents: 3 })
    const { seen, error } = await drain(model({ idleTimeoutMs: 150, maxRetries: 2 }).stream(request))
    expect(seen.some((part) => part.type === 'text.delta')).toBe(true)
    expect(seen.some((part) => part.type === 'finish')).toBe(false)
    expect(error).toMatchObject({ code: 'idle_timeout', isRetryable: true })
    expect(server.requests).toHaveLength(1)
  })
})

describe('streams cut mid-response', () => {
  it('ends with a retryable ModelError, never a finish part, when the connection dies after parts were yielded', async () => {
    server.setFallback({ ...ok, cutAfterEvents: 3 })
    const { seen, error } = await drain(model({ maxRetries: 2 }).stream(request))
    expect(seen.some((part) => part.type === 'text.delta')).toBe(true)
    expect(seen.some((part) => part.type === 'finish')).toBe(false)
    expect(error).toBeInstanceOf(ModelError)
    expect(error).toMatchObject({ isRetryable: true })
    expect((error as Error).message).toMatch(/partial answer was discarded/)
    expect(server.requests).toHaveLength(1)
  })

  it('treats a stream that closes cleanly without a finish reason as incomplete', async () => {
    const cut = ok.sse?.split('\n\n').slice(0, 3).join('\n\n')
    server.setFallback({ sse: `${cut}\n\n` })
    const { seen, error } = await drain(model({ maxRetries: 1 }).stream(request))
    expect(error).toMatchObject({ code: 'stream_incomplete', isRetryable: true })
    expect(seen.some((part) => part.type === 'finish')).toBe(false)
  })

  it('fails on an error sent inside the stream', async () => {
    server.setFallback({
      ...ok,
      errorEvent: {
        afterEvents: 2,
        event: 'data: {"error":{"message":"upstream exploded","code":"server_error"}}',
      },
    })
    const { error } = await drain(model({ maxRetries: 0 }).stream(request))
    expect(error).toMatchObject({ code: 'server_error', isRetryable: true })
    expect((error as Error).message).toMatch(/upstream exploded/)
  })
})

describe('cancellation and secrets', () => {
  it('stops promptly with the signal reason and closes the request', async () => {
    server.setFallback({ ...ok, chunkDelayMs: 200 })
    const controller = new AbortController()
    const reason = new Error('user cancelled')
    const started = Date.now()
    const iteration = drain(
      (async function* () {
        for await (const part of model().stream(request, { signal: controller.signal })) {
          if (part.type === 'text.delta') controller.abort(reason)
          yield part
        }
      })(),
    )
    const { error } = await iteration
    expect(error).toBe(reason)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('never puts the API key in an error, even when the provider echoes it', async () => {
    server.setFallback(openaiError(401, `Incorrect API key provided: ${API_KEY}.`, 'invalid_api_key'))
    const error = (await model()
      .generate(request)
      .catch((caught: unknown) => caught)) as ModelError
    expect(error.statusCode).toBe(401)
    expect(error.message).toMatch(/Incorrect API key provided: \[redacted\]/)
    expect(error.message).toMatch(/OPENAI_API_KEY/)
    const everything = JSON.stringify({ ...error, message: error.message, json: error.toJSON() })
    expect(everything).not.toContain(API_KEY)
  })
})

describe('cancellation during a retry wait', () => {
  it('stops waiting for Retry-After as soon as the signal aborts', async () => {
    server.setFallback(openaiError(429, 'slow down', null, { 'retry-after': '30' }))
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('gave up waiting')), 100)
    const started = Date.now()
    await expect(model({ maxRetries: 3 }).generate(request, { signal: controller.signal })).rejects.toThrow(
      'gave up waiting',
    )
    expect(Date.now() - started).toBeLessThan(2000)
    expect(server.requests).toHaveLength(1)
  })
})
