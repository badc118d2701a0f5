import { inspect } from 'node:util'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { Agent, collectResponse, type Model, ModelError, type ModelRequest, run, tool } from 'agentloop'
import { aiSdk } from 'agentloop/ai-sdk'
import { anthropic } from 'agentloop/anthropic'
import { openaiChat } from 'agentloop/openai'
import { createFakeProviderServer, type FakeProviderServer, openaiChatStream } from 'agentloop/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { callsOf, fixture, readFixture, textOf } from '../../../test/support/fixtures.js'

// The provider-fidelity classes of issue 12, each replayed from a recorded or reconstructed
// fixture (see test/__fixtures__/providers/README.md) through the real SDKs.
let server: FakeProviderServer
beforeAll(async () => {
  server = await createFakeProviderServer()
})
afterAll(() => server.close())
beforeEach(() => server.reset())

const request: ModelRequest = { messages: [{ role: 'user', content: 'Hi' }], tools: [], toolChoice: 'auto' }
const fast = { initialDelayMs: 1, maxDelayMs: 5 }
const chat = (options = {}) =>
  openaiChat('gpt-4o', {
    apiKey: 'sk-test-secret-key-123456',
    baseURL: `${server.url}/v1`,
    retry: fast,
    ...options,
  })
const viaAiSdk = () =>
  aiSdk(
    createOpenAICompatible({
      name: 'compatible',
      baseURL: `${server.url}/v1`,
      apiKey: 'sk-test-123456789',
      includeUsage: true,
    }).chatModel('gpt-4o'),
    { maxRetries: 0 },
  )
const claude = () =>
  anthropic('claude-sonnet-4-6', { apiKey: 'sk-ant-test-secret-123456', baseURL: server.url, retry: fast })
const chatModels: [string, () => Model][] = [
  ['openaiChat', chat],
  ['aiSdk', viaAiSdk],
]

describe.each(chatModels)('%s against the fidelity fixtures', (_name, model) => {
  it('keeps choice 0 of an n=2 stream whose choices interleave, with its finish reason', async () => {
    server.enqueue(fixture('openai-chat/stream-n2-interleaved.sse'))
    const response = await collectResponse('test', model().stream(request))
    expect(textOf(response.content)).toBe('Paris is the capital.')
    expect(response.finishReason).toBe('stop')
  })

  it('takes the ids from the first chunk that has them (Azure sends empty ones first)', async () => {
    server.enqueue(fixture('openai-compatible/azure-stream-prompt-filter-first.sse'))
    const response = await collectResponse('test', model().stream(request))
    expect(response).toMatchObject({
      responseId: 'chatcmpl-azure-reconstructed',
      modelId: 'gpt-4o-2024-11-20',
      outputText: 'Hello! How can I help?',
    })
  })

  it('keeps a Gemini thought signature on the tool call and sends it back with it', async () => {
    server.enqueue(
      fixture('openai-compatible/gemini-stream-tool-call-thought-signature.sse'),
      openaiChatStream({ text: 'Sunny in Paris.' }),
    )
    const weather = tool({
      name: 'get_weather',
      description: 'Weather',
      parameters: [{ name: 'city', type: 'string' }],
      execute: () => 'sunny',
    })
    const result = await run(new Agent({ name: 'w', model: model(), tools: [weather] }), 'Weather?')
    expect(result.output).toBe('Sunny in Paris.')
    const sent = server.requests[1]?.body as { messages: { tool_calls?: Record<string, unknown>[] }[] }
    expect(sent.messages.find((message) => message.tool_calls)?.tool_calls?.[0]).toMatchObject({
      id: 'function-call-reconstructed-1',
      extra_content: { google: { thought_signature: expect.stringMatching(/^CiQB0e2K/) } },
    })
  })

  it('keeps the class of a 400-class error sent inside the stream after text (OpenRouter)', async () => {
    server.setFallback(fixture('openai-compatible/openrouter-stream-error-after-text.sse'))
    let error: unknown
    try {
      for await (const _part of model().stream(request)) {
        // drain
      }
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ModelError)
    expect(error).toMatchObject({ isRetryable: false })
    expect((error as Error).message).toMatch(/maximum context length is 128000 tokens/)
    expect((error as Error).message).not.toMatch(/cut/)
    expect(server.requests).toHaveLength(1)
  })
})

describe('openaiChat: the other shapes of the fixtures', () => {
  it('reads choice 0 of a non-streamed n=2 answer', async () => {
    const body = JSON.parse(readFixture('openai-chat/nonstream-parallel-tool-calls.json'))
    const second = { ...body.choices[0], index: 1, message: { role: 'assistant', content: 'other' } }
    server.enqueue({ json: { ...body, choices: [second, body.choices[0]] } })
    const response = await chat().generate(request)
    expect(callsOf(response.content)).toHaveLength(3)
    expect(textOf(response.content)).toBe('')
  })

  it('reports the OpenRouter error code as its HTTP status', async () => {
    server.setFallback(fixture('openai-compatible/openrouter-stream-error-after-text.sse'))
    const error = await collectResponse('test', chat({ maxRetries: 2 }).stream(request)).catch(
      (caught) => caught,
    )
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false })
  })

  it('keeps the x-request-id, status, code and type of an HTTP error', async () => {
    server.setFallback(
      fixture('openai-chat/error-404-model-not-found.json', 404, { 'x-request-id': 'req_synthetic_1' }),
    )
    const error = await chat({ maxRetries: 0 })
      .generate(request)
      .catch((caught) => caught)
    expect(error).toMatchObject({ statusCode: 404, requestId: 'req_synthetic_1', isRetryable: false })
    expect((error as ModelError).type).toBe('invalid_request_error')
    expect((error as ModelError).code).toBe('model_not_found')
  })
})

describe('anthropic against the fidelity fixtures', () => {
  it('gives a streamed tool_use with no input the arguments {}, in the response, the run and the next request', async () => {
    server.enqueue(fixture('anthropic/stream-tool-use-no-input.sse'))
    const response = await collectResponse('anthropic', claude().stream(request))
    expect(callsOf(response.content)).toEqual([
      { callId: 'toolu_reconstructed_01', name: 'get_current_time', arguments: '{}' },
    ])

    server.reset()
    server.enqueue(fixture('anthropic/stream-tool-use-no-input.sse'), fixture('anthropic/stream-text.sse'))
    const now = tool({ name: 'get_current_time', description: 'Now', parameters: [], execute: () => '12:00' })
    const result = await run(new Agent({ name: 'clock', model: claude(), tools: [now] }), 'Time?')
    expect(result.items.find((item) => item.type === 'tool.call')).toMatchObject({ arguments: '{}' })
    const sent = server.requests[1]?.body as { messages: { content: { type: string; input?: unknown }[] }[] }
    const toolUse = sent.messages
      .flatMap((message) => message.content)
      .find((block) => block.type === 'tool_use')
    expect(toolUse?.input).toEqual({})
  })

  it('gives a non-streamed tool_use with no input {} as well', async () => {
    server.enqueue({
      json: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-6',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'now', input: {} }],
        stop_reason: 'tool_use',
        usage: { input_tokens: 5, output_tokens: 5 },
      },
    })
    const response = await claude().generate(request)
    expect(callsOf(response.content)).toEqual([{ callId: 'toolu_1', name: 'now', arguments: '{}' }])
  })

  it('keeps an overloaded error inside the stream retryable, with its type and request id, without calling it cut', async () => {
    server.setFallback(
      fixture('anthropic/stream-error-overloaded.sse', 200, { 'request-id': 'req_synthetic_2' }),
    )
    const error = await collectResponse('anthropic', claude().stream(request)).catch((caught) => caught)
    expect(error).toBeInstanceOf(ModelError)
    expect(error).toMatchObject({ isRetryable: true, type: 'overloaded_error', requestId: 'req_synthetic_2' })
    expect((error as Error).message).not.toMatch(/cut/)
  })

  it('keeps the request_id and error type of an HTTP error body', async () => {
    server.setFallback(fixture('anthropic/error-404-not-found.json', 404))
    const error = await claude()
      .generate(request)
      .catch((caught) => caught)
    expect(error).toMatchObject({
      statusCode: 404,
      type: 'not_found_error',
      requestId: 'req_011CdufXo8Y2LVfY2veyuQWG',
    })
  })
})

describe('provider errors: only real secrets are redacted, every field of them', () => {
  it("keeps the ollama preset's placeholder key in messages, and our advice is a sentence of its own", async () => {
    server.setFallback({
      status: 404,
      json: {
        error: {
          message: 'model "llama3.1" not found, try pulling it first with: ollama pull llama3.1',
          type: 'api_error',
          param: null,
          code: null,
        },
      },
    })
    const model = openaiChat('llama3.1', { preset: 'ollama', baseURL: `${server.url}/v1`, maxRetries: 0 })
    const error = await model
      .generate({ messages: [{ role: 'user', content: 'Hi' }] })
      .catch((caught) => caught)
    expect((error as Error).message).toBe(
      'ollama request failed (status 404, api_error): model "llama3.1" not found, try pulling it first with: ollama pull llama3.1. Check the model id and the baseURL.',
    )
  })

  it('redacts an echoed key from the code, type and message, so console.error(error) never prints it', async () => {
    const key = 'my-proxy-key-0123456789'
    server.setFallback({
      status: 401,
      json: { error: { message: `Key ${key} is invalid`, type: `invalid ${key}`, code: `bad_key_${key}` } },
    })
    const model = openaiChat('gpt-4o', { apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 })
    const error = await model.generate(request).catch((caught) => caught)
    expect(error).toBeInstanceOf(ModelError)
    expect(inspect(error, { depth: 10 })).not.toContain(key)
    expect(error).toMatchObject({ code: 'bad_key_[redacted]', type: 'invalid [redacted]', statusCode: 401 })
  })
})
