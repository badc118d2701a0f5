import { collectResponse, ModelError, type ModelRequest, type ModelStreamPart } from 'agentloop'
import { openaiChat } from 'agentloop/openai'
import { createFakeProviderServer, type FakeProviderServer, openaiChatStream } from 'agentloop/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { callsOf, fixture, textOf } from '../../../test/support/fixtures.js'

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

describe('openaiChat against recorded OpenAI traffic', () => {
  it('streams text and reads the include_usage chunk', async () => {
    const { response } = await streamFixture('openai-chat/stream-text-usage.sse')
    expect(text(response.content)).toBe(
      "I'm unable to provide real-time weather updates. To get the current weather in San Francisco, I recommend checking a reliable weather website or a weather app.",
    )
    expect(response.finishReason).toBe('stop')
    expect(response.usage).toMatchObject({ inputTokens: 14, outputTokens: 30, totalTokens: 44 })
    expect(server.requests[0]?.body).toMatchObject({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
    })
  })

  it('assembles one tool call whose arguments arrive in many deltas', async () => {
    const { response, parts } = await streamFixture('openai-chat/stream-tool-call-single.sse')
    expect(calls(response.content)).toEqual([
      {
        callId: 'call_c91SqDXlYFuETYv8mUHzz6pp',
        name: 'GetWeatherArgs',
        arguments: '{"city":"Edinburgh","country":"UK","units":"c"}',
      },
    ])
    expect(parts.filter((part) => part.type === 'tool.call.delta').length).toBeGreaterThan(5)
    expect(response.finishReason).toBe('tool-calls')
    expect(response.usage).toMatchObject({
      inputTokens: 76,
      outputTokens: 24,
      totalTokens: 100,
      reasoningTokens: 0,
    })
  })

  it('assembles parallel tool calls', async () => {
    const { response } = await streamFixture('openai-chat/stream-parallel-tool-calls.sse')
    expect(calls(response.content)).toEqual([
      {
        callId: 'call_JMW1whyEaYG438VE1OIflxA2',
        name: 'GetWeatherArgs',
        arguments: '{"city": "Edinburgh", "country": "GB", "units": "c"}',
      },
      {
        callId: 'call_DNYTawLBoN8fj3KN6qU9N1Ou',
        name: 'get_stock_price',
        arguments: '{"ticker": "AAPL", "exchange": "NASDAQ"}',
      },
    ])
    expect(response.usage).toMatchObject({ inputTokens: 149, outputTokens: 60, totalTokens: 209 })
  })

  it('reports a refusal as text with finish reason content-filter and the refusal in provider metadata', async () => {
    const { response } = await streamFixture('openai-chat/stream-refusal.sse')
    expect(text(response.content)).toBe("I'm sorry, I can't assist with that request.")
    expect(response.finishReason).toBe('content-filter')
    expect(response.providerMetadata).toEqual({
      openai: { refusal: "I'm sorry, I can't assist with that request." },
    })
    expect(response.usage).toMatchObject({ inputTokens: 79, outputTokens: 11, totalTokens: 90 })
  })

  it('reports an answer cut at the output limit as finish reason length', async () => {
    const { response } = await streamFixture('openai-chat/stream-finish-length.sse')
    expect(text(response.content)).toBe('{"')
    expect(response.finishReason).toBe('length')
    expect(response.usage).toMatchObject({ inputTokens: 79, outputTokens: 1, totalTokens: 80 })
  })

  it('reads the current wire format (role and tool call in one delta, obfuscation, usage: null)', async () => {
    const { response } = await streamFixture('openai-chat/stream-tool-call-2026-fields.sse')
    expect(calls(response.content)).toEqual([
      { callId: 'call_ZR5UUuTt3pf61kjwAJIYdVMj', name: 'get_capital', arguments: '{"country":"UK"}' },
    ])
    expect(response.finishReason).toBe('tool-calls')
    expect(response.usage).toMatchObject({
      inputTokens: 53,
      outputTokens: 15,
      totalTokens: 68,
      cachedInputTokens: 0,
    })
  })

  it('reads a non-streamed answer with three parallel tool calls', async () => {
    server.enqueue(fixture('openai-chat/nonstream-parallel-tool-calls.json'))
    const response = await model().generate(request)
    expect(server.requests[0]?.body).not.toHaveProperty('stream')
    const found = calls(response.content)
    expect(found).toHaveLength(3)
    for (const call of found) {
      expect(call.callId).toMatch(/^call_/)
      expect(JSON.parse(call.arguments)).toBeTypeOf('object')
    }
    expect(response.finishReason).toBe('tool-calls')
    expect(response.usage.inputTokens).toBeGreaterThan(0)
    expect(response.usage.totalTokens).toBe(response.usage.inputTokens + response.usage.outputTokens)
  })

  it('maps a 404 to a non-retryable ModelError with the code and message, sending one request', async () => {
    server.enqueue(fixture('openai-chat/error-404-model-not-found.json', 404))
    const error = await model({ maxRetries: 3 })
      .generate(request)
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ModelError)
    expect(error).toMatchObject({
      provider: 'openai',
      statusCode: 404,
      isRetryable: false,
      code: 'model_not_found',
    })
    expect((error as Error).message).toMatch(/does not exist/)
    expect(server.requests).toHaveLength(1)
  })

  it('maps a 400 unsupported_parameter to a non-retryable ModelError', async () => {
    server.enqueue(fixture('openai-chat/error-400-unsupported-parameter.json', 400))
    const error = await collectResponse('openai', model({ maxRetries: 3 }).stream(request)).catch(
      (caught: unknown) => caught,
    )
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false, code: 'unsupported_parameter' })
    expect(server.requests).toHaveLength(1)
  })
})

describe('openaiChat requests and lenient parsing', () => {
  const tools: ModelRequest['tools'] = [
    {
      name: 'add',
      description: 'Add',
      parameters: { type: 'object', properties: { a: { type: 'number' } } },
      strict: true,
    },
  ]

  it('sends settings, tools, tool choice, parallel_tool_calls, strict schemas, structured output and pass-through options', async () => {
    server.enqueue(openaiChatStream({ text: '{}' }))
    const chat = model({
      organization: 'org-1',
      project: 'proj-1',
      store: true,
      reasoningEffort: 'low',
      verbosity: 'high',
      temperature: 0.5,
      providerOptions: { user: 'u-1', extra_body: { service_tier: 'flex' } },
    })
    await collectResponse(
      'openai',
      chat.stream({
        instructions: 'Be terse.',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', url: 'https://x/cat.png' },
            ],
          },
          {
            role: 'assistant',
            content: [{ type: 'tool-call', callId: 'c1', name: 'add', arguments: '{"a":1}' }],
          },
          { role: 'tool', callId: 'c1', toolName: 'add', content: '1' },
        ],
        tools,
        toolChoice: { name: 'add' },
        parallelToolCalls: false,
        maxOutputTokens: 50,
        temperature: 0.1,
        seed: 7,
        stopSequences: ['END'],
        output: { name: 'final_output', schema: { type: 'object' }, strict: true },
        providerOptions: { openai: { metadata: { run: 'r1' } } },
      }),
    )
    const { body, headers } = server.requests[0] ?? {}
    expect(headers).toMatchObject({ 'openai-organization': 'org-1', 'openai-project': 'proj-1' })
    expect(body).toEqual({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'Be terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://x/cat.png' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'add', arguments: '{"a":1}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: '1' },
      ],
      temperature: 0.1,
      max_completion_tokens: 50,
      seed: 7,
      stop: ['END'],
      store: true,
      reasoning_effort: 'low',
      verbosity: 'high',
      tools: [{ type: 'function', function: { ...tools[0], strict: true } }],
      tool_choice: { type: 'function', function: { name: 'add' } },
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'final_output', schema: { type: 'object' }, strict: true },
      },
      user: 'u-1',
      service_tier: 'flex',
      metadata: { run: 'r1' },
    })
  })

  it('applies preset quirks: max_tokens and no strict for Ollama; the key from the preset variable', async () => {
    server.enqueue(openaiChatStream({ text: 'ok' }))
    await collectResponse(
      'ollama',
      openaiChat('llama3.1', { preset: 'ollama', baseURL: `${server.url}/v1` }).stream({
        ...request,
        tools,
        maxOutputTokens: 10,
      }),
    )
    const body = server.requests[0]?.body as Record<string, unknown>
    expect(body.max_tokens).toBe(10)
    expect(body).not.toHaveProperty('max_completion_tokens')
    expect(JSON.stringify(body.tools)).not.toContain('strict')
    expect(server.requests[0]?.headers.authorization).toBe('Bearer ollama')
  })

  it('skips SSE comment lines and keep-alives, and splits parallel calls that come without index', async () => {
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'x', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    server.enqueue({
      sse:
        ': OPENROUTER PROCESSING\n\n' +
        chunk({ role: 'assistant' }) +
        ': keep-alive\n\n' +
        chunk({ tool_calls: [{ id: 'a1', function: { name: 'add', arguments: '{"a":' } }] }) +
        chunk({ tool_calls: [{ function: { arguments: '1}' } }] }) +
        chunk({ tool_calls: [{ id: 'b2', function: { name: 'add', arguments: '{"a":2}' } }] }) +
        chunk({}, 'tool_calls') +
        'data: [DONE]\n\n',
    })
    const response = await collectResponse('openai', model().stream({ ...request, tools }))
    expect(callsOf(response.content)).toEqual([
      { callId: 'a1', name: 'add', arguments: '{"a":1}' },
      { callId: 'b2', name: 'add', arguments: '{"a":2}' },
    ])
    // No usage reported by this server: zero, never a crash.
    expect(response.usage).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0 })
  })

  it('refuses to create a model for api.openai.com without a key, naming the variable', () => {
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL }
    delete process.env.OPENAI_API_KEY
    delete process.env.OPENAI_BASE_URL
    try {
      expect(() => openaiChat('gpt-4o')).toThrow(/no API key. Set OPENAI_API_KEY/)
      expect(() => openaiChat('gpt-4o', { preset: 'nim' })).toThrow(/NVIDIA_API_KEY/)
      expect(() => openaiChat('gpt-4o', { preset: 'nope' as never })).toThrow(/preset must be one of ollama/)
    } finally {
      if (saved.key !== undefined) process.env.OPENAI_API_KEY = saved.key
      if (saved.url !== undefined) process.env.OPENAI_BASE_URL = saved.url
    }
  })
})
