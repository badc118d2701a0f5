import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { collectResponse, type ModelRequest } from 'agentloop'
import { aiSdk } from 'agentloop/ai-sdk'
import { createFakeProviderServer, type FakeProviderServer } from 'agentloop/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { callsOf, fixture, reasoningOf, textOf } from '../../../test/support/fixtures.js'

// The recorded Chat Completions traffic, replayed through a real AI SDK provider wrapped by aiSdk().
let server: FakeProviderServer
beforeAll(async () => {
  server = await createFakeProviderServer()
})
afterAll(() => server.close())
beforeEach(() => server.reset())

const request: ModelRequest = { messages: [{ role: 'user', content: 'Hi' }], tools: [], toolChoice: 'auto' }
const model = () =>
  aiSdk(
    createOpenAICompatible({
      name: 'compatible',
      baseURL: `${server.url}/v1`,
      apiKey: 'sk-test-123456789',
      includeUsage: true,
    }).chatModel('gpt-4o'),
    { maxRetries: 0 },
  )
const streamed = (name: string) => {
  server.enqueue(fixture(name))
  return collectResponse('compatible', model().stream(request))
}

describe('aiSdk(openai-compatible provider) against recorded traffic', () => {
  it('streams text with usage', async () => {
    const response = await streamed('openai-chat/stream-text-usage.sse')
    expect(textOf(response.content)).toMatch(/^I'm unable to provide real-time weather updates\./)
    expect(response.finishReason).toBe('stop')
    expect(response.usage).toMatchObject({ inputTokens: 14, outputTokens: 30, totalTokens: 44 })
  })

  it('assembles one tool call and parallel tool calls', async () => {
    const single = await streamed('openai-chat/stream-tool-call-single.sse')
    expect(callsOf(single.content)).toEqual([
      {
        callId: 'call_c91SqDXlYFuETYv8mUHzz6pp',
        name: 'GetWeatherArgs',
        arguments: '{"city":"Edinburgh","country":"UK","units":"c"}',
      },
    ])
    expect(single.finishReason).toBe('tool-calls')
    const parallel = await streamed('openai-chat/stream-parallel-tool-calls.sse')
    expect(callsOf(parallel.content).map((call) => call.name)).toEqual(['GetWeatherArgs', 'get_stock_price'])
    expect(callsOf(parallel.content).map((call) => JSON.parse(call.arguments))).toEqual([
      { city: 'Edinburgh', country: 'GB', units: 'c' },
      { ticker: 'AAPL', exchange: 'NASDAQ' },
    ])
  })

  it('reads reasoning_content, whole-argument tool calls and the length finish reason', async () => {
    const deepseek = await streamed('openai-compatible/deepseek-stream-reasoning-tool-call.sse')
    expect(reasoningOf(deepseek.content)).toHaveLength(191)
    expect(callsOf(deepseek.content)).toEqual([
      {
        callId: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF',
        name: 'weather',
        arguments: '{"location": "San Francisco"}',
      },
    ])
    const groq = await streamed('openai-compatible/groq-stream-tool-call-whole-args.sse')
    expect(callsOf(groq.content)).toEqual([{ callId: 'tk85n1k4m', name: 'weather', arguments: '{}' }])
    expect((await streamed('openai-chat/stream-finish-length.sse')).finishReason).toBe('length')
  })

  it('maps recorded error bodies to ModelError with status, retryability and message', async () => {
    server.enqueue(fixture('openai-chat/error-404-model-not-found.json', 404))
    await expect(collectResponse('compatible', model().stream(request))).rejects.toMatchObject({
      statusCode: 404,
      isRetryable: false,
    })
    server.enqueue(fixture('openai-compatible/openrouter-error-429-upstream.json', 429))
    await expect(collectResponse('compatible', model().stream(request))).rejects.toMatchObject({
      statusCode: 429,
      isRetryable: true,
    })
  })
})
