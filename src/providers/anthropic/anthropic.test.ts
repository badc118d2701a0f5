import { collectResponse, ModelError, type ModelRequest } from 'agentloop'
import { anthropic } from 'agentloop/anthropic'
import { createFakeProviderServer, type FakeProviderServer } from 'agentloop/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { callsOf, fixture, readFixture, reasoningOf, textOf } from '../../../test/support/fixtures.js'

let server: FakeProviderServer
beforeAll(async () => {
  server = await createFakeProviderServer()
})
afterAll(() => server.close())
beforeEach(() => server.reset())

const request: ModelRequest = {
  instructions: 'Be brief.',
  messages: [{ role: 'user', content: 'Hi' }],
  tools: [],
  toolChoice: 'auto',
}
const model = (options = {}) =>
  anthropic('claude-sonnet-4-6', { apiKey: 'sk-ant-test-secret-123456', baseURL: server.url, ...options })
const streamed = (name: string, options = {}) => {
  server.enqueue(fixture(name))
  return collectResponse('anthropic', model(options).stream(request))
}

describe('anthropic against recorded traffic', () => {
  it('streams text (padded JSON, ping events) with usage and sends system, max_tokens', async () => {
    const response = await streamed('anthropic/stream-text.sse')
    expect(textOf(response.content)).toBe('[12345,67890]')
    expect(response.finishReason).toBe('stop')
    expect(response.usage).toEqual({
      inputTokens: 135,
      outputTokens: 10,
      totalTokens: 145,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
    })
    expect(response.responseId).toMatch(/^msg_/)
    expect(server.requests[0]?.path).toBe('/v1/messages')
    const headers = server.requests[0]?.headers ?? {}
    expect(`${headers['x-api-key'] ?? ''} ${headers.authorization ?? ''}`).toContain(
      'sk-ant-test-secret-123456',
    )
    expect(server.requests[0]?.body).toMatchObject({
      model: 'claude-sonnet-4-6',
      system: 'Be brief.',
      max_tokens: 32000,
      stream: true,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    })
  })

  it('streams tool_use input as input_json_delta pieces', async () => {
    const response = await streamed('anthropic/stream-tool-use.sse')
    expect(callsOf(response.content)).toEqual([
      {
        callId: 'toolu_018acGYLtfR52q9yDbWaEdQZ',
        name: 'get_weather',
        arguments: '{"location": "San Francisco, CA", "units": "f"}',
      },
    ])
    expect(response.finishReason).toBe('tool-calls')
    expect(response.usage).toMatchObject({ inputTokens: 656, outputTokens: 74, totalTokens: 730 })
  })

  it('streams text then a tool call, in order', async () => {
    const response = await streamed('anthropic/stream-text-then-tool-use.sse')
    expect(response.content.map((part) => part.type)).toEqual(['text', 'tool-call'])
    expect(textOf(response.content)).toBe(
      "I'll help you find out the current temperature in San Francisco. I'll use the get_current_temperature function to retrieve this information.",
    )
    expect(callsOf(response.content)).toEqual([
      {
        callId: 'toolu_01Lfr3kUnHMZApePPRWMv1uS',
        name: 'get_current_temperature',
        arguments: '{"city": "San Francisco"}',
      },
    ])
    expect(response.usage).toMatchObject({ inputTokens: 351, outputTokens: 85 })
  })

  it('streams thinking with its signature, then the text answer', async () => {
    const response = await streamed('anthropic/stream-thinking.sse', { thinking: { budgetTokens: 1024 } })
    const thinking = response.content.find((part) => part.type === 'reasoning')
    expect(reasoningOf(response.content)).toMatch(/^This is a straightforward question about pedestria/)
    expect(reasoningOf(response.content)).toHaveLength(202)
    expect(thinking?.signature).toHaveLength(504)
    expect(textOf(response.content)).toMatch(/^Here are the basic steps for safely crossing the street:/)
    expect(textOf(response.content)).toMatch(/Always prioritize safety over speed when crossing streets\.$/)
    expect(response.usage).toMatchObject({ inputTokens: 43, outputTokens: 282 })
    expect(server.requests[0]?.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1024 } })

    // The signed thinking block is sent back unchanged in the next turn.
    server.enqueue(fixture('anthropic/stream-text.sse'))
    await collectResponse(
      'anthropic',
      model().stream({
        ...request,
        messages: [
          ...request.messages,
          { role: 'assistant', content: response.content },
          { role: 'user', content: 'Thanks' },
        ],
      }),
    )
    const sent = server.requests[1]?.body as {
      messages: { content: { type: string; signature?: string }[] }[]
    }
    expect(sent.messages[1]?.content[0]).toMatchObject({ type: 'thinking', signature: thinking?.signature })
  })

  it('ends a stream that receives an overloaded error event after text with a retryable ModelError, never a finish', async () => {
    server.enqueue(fixture('anthropic/stream-error-overloaded.sse'))
    const parts: string[] = []
    const error = await (async () => {
      for await (const part of model({ maxRetries: 2 }).stream(request)) parts.push(part.type)
    })().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ModelError)
    expect(error).toMatchObject({ provider: 'anthropic', isRetryable: true, code: 'overloaded_error' })
    expect(parts).toContain('text.delta')
    expect(parts).not.toContain('finish')
    // Text had already reached the caller: the adapter does not retry behind its back.
    expect(server.requests).toHaveLength(1)
  })

  it('retries the overloaded error when it arrives before any part reached the caller', async () => {
    const sse = readFixture('anthropic/stream-error-overloaded.sse')
    const withoutText = sse.replace(/event: content_block_delta\ndata: [^\n]*\n\n/, '')
    server.enqueue({ sse: withoutText }, fixture('anthropic/stream-text.sse'))
    const response = await collectResponse(
      'anthropic',
      model({ maxRetries: 2, retry: { initialDelayMs: 1 } }).stream(request),
    )
    expect(textOf(response.content)).toBe('[12345,67890]')
    expect(server.requests).toHaveLength(2)
  })

  it('reads a non-streamed answer with text and three parallel tool_use blocks', async () => {
    server.enqueue(fixture('anthropic/nonstream-parallel-tool-use.json'))
    const response = await model().generate(request)
    expect(textOf(response.content)).toBe("I'll execute all 3 parallel searches simultaneously right now!")
    expect(callsOf(response.content)).toEqual([
      {
        callId: 'toolu_01NwzvrxEz6tvT3A8ydvMtHu',
        name: 'parallel_local_search_one',
        arguments: '{"query":"latest OpenAI model release notes"}',
      },
      {
        callId: 'toolu_01YCxzSB1suk9uPVC1uwfHz9',
        name: 'parallel_local_search_two',
        arguments: '{"query":"latest Anthropic model release notes"}',
      },
      {
        callId: 'toolu_01Mauvxzv58eDY7pUt9HMKGy',
        name: 'parallel_local_search_three',
        arguments: '{"query":"latest Gemini model release notes"}',
      },
    ])
    expect(response.finishReason).toBe('tool-calls')
    expect(response.usage).toEqual({
      inputTokens: 914,
      outputTokens: 169,
      totalTokens: 1083,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
    })
  })

  it('retries the recorded 429 (x-should-retry: true) within the budget', async () => {
    const recorded = JSON.parse(readFixture('anthropic/error-429-rate-limit.headers.json')) as {
      headers: Record<string, string>
    }
    const { 'content-length': _length, ...headers } = recorded.headers
    server.setFallback(fixture('anthropic/error-429-rate-limit.json', 429, headers))
    const error = await model({ maxRetries: 1, retry: { initialDelayMs: 1 } })
      .generate(request)
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({ statusCode: 429, isRetryable: true, code: 'rate_limit_error' })
    expect((error as Error).message).toMatch(/exceed your organization's rate limit/)
    expect(server.requests).toHaveLength(2)
  })

  it('maps the recorded 404 to a non-retryable ModelError without the API key', async () => {
    server.enqueue(fixture('anthropic/error-404-not-found.json', 404))
    const error = await model({ maxRetries: 2 })
      .generate(request)
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({ statusCode: 404, isRetryable: false, code: 'not_found_error' })
    expect((error as Error).message).toMatch(/model: claude-sonet-4-5/)
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain(
      'sk-ant-test-secret-123456',
    )
    expect(server.requests).toHaveLength(1)
  })

  it('sends parallel tool results as one user turn, tool choice, structured output and prompt caching', async () => {
    server.enqueue(fixture('anthropic/stream-text.sse'))
    await collectResponse(
      'anthropic',
      model({ cacheControl: { type: 'ephemeral' } }).stream({
        ...request,
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: [
              { type: 'tool-call', callId: 'toolu_a', name: 'weather', arguments: '{"city":"Paris"}' },
              { type: 'tool-call', callId: 'toolu_b', name: 'weather', arguments: '{"city":"Rome"}' },
            ],
          },
          { role: 'tool', callId: 'toolu_a', toolName: 'weather', content: 'sunny' },
          { role: 'tool', callId: 'toolu_b', toolName: 'weather', content: 'rain', isError: true },
        ],
        tools: [
          {
            name: 'weather',
            description: 'Weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
            strict: true,
          },
        ],
        toolChoice: 'required',
        parallelToolCalls: false,
        output: {
          name: 'final_output',
          schema: { type: 'object', properties: { ok: { type: 'boolean' } } },
          strict: true,
        },
      }),
    )
    const body = server.requests[0]?.body as Record<string, unknown>
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_a', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_b', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_a', content: 'sunny' },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_b',
            content: 'rain',
            is_error: true,
            cache_control: { type: 'ephemeral' },
          },
        ],
      },
    ])
    expect(body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true })
    expect(body.system).toEqual([{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }])
    expect(body.output_config).toEqual({
      format: { type: 'json_schema', schema: { type: 'object', properties: { ok: { type: 'boolean' } } } },
    })
  })
})

describe('anthropic: max_tokens cut in the middle of a tool input', () => {
  it('never executes the half-written call: the run fails with a clear ModelError', async () => {
    const { Agent, run, tool } = await import('agentloop')
    const { anthropicStream } = await import('agentloop/testing')
    server.enqueue(
      anthropicStream({
        toolCalls: [{ id: 'toolu_cut', name: 'add', arguments: '{"a": 1, "b"' }],
        finishReason: 'length',
      }),
    )
    let executed = false
    const add = tool({
      name: 'add',
      description: 'Add',
      parameters: [
        { name: 'a', type: 'number' },
        { name: 'b', type: 'number' },
      ],
      execute: () => {
        executed = true
        return 0
      },
    })
    const agent = new Agent({ name: 'cut', model: model(), tools: [add] })
    await expect(run(agent, 'Add 1 and 2')).rejects.toThrow(
      /cut at its output limit while it was writing tool calls/,
    )
    expect(executed).toBe(false)
    expect(server.requests).toHaveLength(1)
  })
})
