import { collectResponse, type ModelRequest, type ModelStreamPart } from 'agentloop'
import { openaiChat } from 'agentloop/openai'
import { createFakeProviderServer, type FakeProviderServer } from 'agentloop/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { callsOf, fixture, reasoningOf, textOf } from '../../../test/support/fixtures.js'

let server: FakeProviderServer
beforeAll(async () => {
  server = await createFakeProviderServer()
})
afterAll(() => server.close())
beforeEach(() => server.reset())

const request: ModelRequest = { messages: [{ role: 'user', content: 'Hi' }], tools: [], toolChoice: 'auto' }
const model = (options = {}) =>
  openaiChat('gpt-4o', { apiKey: 'sk-test-secret-key-123456', baseURL: `${server.url}/v1`, ...options })

async function streamFixture(name: string, options = {}) {
  server.enqueue(fixture(name))
  const parts: ModelStreamPart[] = []
  const response = await collectResponse(
    'openai',
    (async function* () {
      for await (const part of model(options).stream(request)) {
        parts.push(part)
        yield part
      }
    })(),
  )
  return { response, parts }
}

const calls = callsOf
const text = textOf
const reasoning = reasoningOf

describe('openaiChat against recorded OpenAI-compatible traffic', () => {
  const compatible = [
    [
      'openai-compatible/groq-stream-tool-call-whole-args.sse',
      'tk85n1k4m',
      '{}',
      { inputTokens: 210, outputTokens: 15, totalTokens: 225 },
    ],
    [
      'openai-compatible/mistral-stream-tool-call-no-index.sse',
      'gSIMJiOkT',
      '{"location": "San Francisco"}',
      { inputTokens: 124, outputTokens: 22, totalTokens: 146 },
    ],
    [
      'openai-compatible/qwen-stream-tool-call-empty-id.sse',
      'call_eee11723464a4b9eb8cee71d',
      '{"location": "San Francisco"}',
      { inputTokens: 295, outputTokens: 22, totalTokens: 317, cachedInputTokens: 0 },
    ],
    [
      'openai-compatible/xai-stream-reasoning-tool-call.sse',
      'call_55117580',
      '{"location":"San Francisco"}',
      { inputTokens: 291, outputTokens: 26, totalTokens: 513, reasoningTokens: 196, cachedInputTokens: 290 },
    ],
    [
      'openai-compatible/deepseek-stream-reasoning-tool-call.sse',
      'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF',
      '{"location": "San Francisco"}',
      { inputTokens: 339, outputTokens: 83, totalTokens: 422, reasoningTokens: 39, cachedInputTokens: 320 },
    ],
  ] as const
  for (const [name, callId, args, usage] of compatible) {
    it(`${name}: one complete tool call named weather, usage and finish reason`, async () => {
      const { response } = await streamFixture(name)
      expect(calls(response.content)).toEqual([{ callId, name: 'weather', arguments: args }])
      expect(response.finishReason).toBe('tool-calls')
      expect(response.usage).toEqual(usage)
    })
  }

  it('streams reasoning_content as reasoning (xAI, DeepSeek)', async () => {
    expect(
      reasoning(
        (await streamFixture('openai-compatible/xai-stream-reasoning-tool-call.sse')).response.content,
      ),
    ).toBe('First, the user is')
    const deepseek = await streamFixture('openai-compatible/deepseek-stream-reasoning-tool-call.sse')
    expect(reasoning(deepseek.response.content)).toMatch(/^The user is asking for the weather in Sa/)
    expect(reasoning(deepseek.response.content)).toHaveLength(191)
  })

  it('reads a vLLM text stream with its extra fields', async () => {
    const { response } = await streamFixture('openai-compatible/vllm-stream-text-usage.sse', {
      preset: 'vllm',
    })
    expect(text(response.content)).toBe('1, 2, 3, 4, 5')
    expect(response.finishReason).toBe('stop')
    expect(response.usage).toMatchObject({ inputTokens: 46, outputTokens: 14, totalTokens: 60 })
  })

  it('reads non-streamed vLLM and Ollama answers with reasoning fields', async () => {
    server.enqueue(fixture('openai-compatible/vllm-nonstream-tool-call.json'))
    const vllm = await model({ preset: 'vllm' }).generate(request)
    expect(calls(vllm.content)).toEqual([
      { callId: 'chatcmpl-tool-bbb91941bf76335c', name: 'get_weather', arguments: '{"city": "Paris"}' },
    ])
    expect(reasoning(vllm.content)).toMatch(/^The user wants to know the weather in Paris/)
    expect(vllm.usage).toEqual({
      inputTokens: 167,
      outputTokens: 37,
      totalTokens: 204,
      reasoningTokens: 25,
      cachedInputTokens: 0,
    })
    expect(vllm.finishReason).toBe('tool-calls')

    server.enqueue(fixture('openai-compatible/ollama-nonstream-tool-call-reasoning.json'))
    const ollama = await model({ preset: 'ollama' }).generate(request)
    expect(calls(ollama.content)).toEqual([
      { callId: 'call_o2vnpxrw', name: 'final_result', arguments: '{"city":"Paris","country":"France"}' },
    ])
    expect(reasoning(ollama.content)).toMatch(/^The conversation: user asked/)
    expect(text(ollama.content)).toBe('')
    expect(ollama.usage).toEqual({ inputTokens: 206, outputTokens: 194, totalTokens: 400 })
    expect(ollama.finishReason).toBe('tool-calls')
  })

  it('maps OpenRouter 429 (numeric code) as retryable and 401 as not, and Groq 400 tool_use_failed', async () => {
    server.enqueue(fixture('openai-compatible/openrouter-error-429-upstream.json', 429))
    const rate = await model({ preset: 'openrouter', maxRetries: 0 })
      .generate(request)
      .catch((caught: unknown) => caught)
    expect(rate).toMatchObject({ provider: 'openrouter', statusCode: 429, isRetryable: true, code: '429' })
    expect((rate as Error).message).toMatch(/Provider returned error/)

    server.enqueue(fixture('openai-compatible/openrouter-error-401.json', 401))
    const auth = await model({ preset: 'openrouter', maxRetries: 3 })
      .generate(request)
      .catch((caught: unknown) => caught)
    expect(auth).toMatchObject({ statusCode: 401, isRetryable: false })
    expect((auth as Error).message).toMatch(/No cookie auth credentials found.*OPENROUTER_API_KEY/)

    server.enqueue(fixture('openai-compatible/groq-error-400-tool-use-failed.json', 400))
    const groq = await model({ preset: 'groq', maxRetries: 3 })
      .generate(request)
      .catch((caught: unknown) => caught)
    expect(groq).toMatchObject({ statusCode: 400, isRetryable: false, code: 'tool_use_failed' })
    expect(server.requests).toHaveLength(3)
  })
})
