import { collectResponse, ModelError, type ModelRequest } from 'agentloop'
import { openai } from 'agentloop/openai'
import { createFakeProviderServer, type FakeProviderServer } from 'agentloop/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { callsOf, fixture, reasoningOf, textOf } from '../../../test/support/fixtures.js'

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
  openai('gpt-4o', { apiKey: 'sk-test-secret-key-123456', baseURL: `${server.url}/v1`, ...options })
const streamed = (name: string, options = {}) => {
  server.enqueue(fixture(name))
  return collectResponse('openai', model(options).stream(request))
}

describe('openai (Responses API) against recorded traffic', () => {
  it('streams text with usage, sending instructions and input to /v1/responses', async () => {
    const response = await streamed('openai-responses/stream-text.sse')
    expect(textOf(response.content)).toBe('The capital of France is Paris.')
    expect(response.finishReason).toBe('stop')
    expect(response.usage).toEqual({
      inputTokens: 278,
      outputTokens: 9,
      totalTokens: 287,
      reasoningTokens: 0,
      cachedInputTokens: 0,
    })
    expect(response.responseId).toMatch(/^resp_/)
    expect(server.requests[0]?.path).toBe('/v1/responses')
    expect(server.requests[0]?.body).toMatchObject({
      model: 'gpt-4o',
      instructions: 'Be brief.',
      stream: true,
      input: [{ role: 'user', content: 'Hi' }],
    })
  })

  it('streams a function call whose arguments arrive in deltas', async () => {
    const response = await streamed('openai-responses/stream-function-call.sse')
    expect(callsOf(response.content)).toEqual([
      { callId: 'call_kL0PCQV7M2WMoVX8V8OtYSAL', name: 'get_capital', arguments: '{"country":"France"}' },
    ])
    expect(response.finishReason).toBe('tool-calls')
    expect(response.usage).toMatchObject({ inputTokens: 255, outputTokens: 16, totalTokens: 271 })
  })

  it('streams a reasoning summary (keeping the item id and encrypted content) then a function call', async () => {
    const response = await streamed('openai-responses/stream-reasoning-summary-function-call.sse', {
      store: false,
      reasoningEffort: 'high',
    })
    expect(reasoningOf(response.content)).toMatch(
      /^\*\*Calculating step-by-step using calculator\*\*\n\nI'll compute /,
    )
    const reasoning = response.content.find((part) => part.type === 'reasoning')
    expect(reasoning?.providerMetadata?.openai?.itemId).toBe(
      'rs_01830d662ab3856501693c321405c88190be3ab04d5782d5f9',
    )
    expect(reasoning?.providerMetadata?.openai?.encryptedContent).toEqual(expect.any(String))
    expect(callsOf(response.content)).toEqual([
      { callId: 'call_AB6AaRZ1FYZB2RwS6A5vbdqn', name: 'calculator', arguments: '{"a":12,"b":7,"op":"add"}' },
    ])
    expect(response.usage).toMatchObject({ inputTokens: 134, outputTokens: 28, totalTokens: 162 })
    expect(server.requests[0]?.body).toMatchObject({
      store: false,
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: 'high', summary: 'auto' },
    })

    // The reasoning item goes back with the next request, so a stateless conversation keeps it.
    server.enqueue(fixture('openai-responses/stream-text.sse'))
    await collectResponse(
      'openai',
      model({ store: false }).stream({
        ...request,
        messages: [...request.messages, { role: 'assistant', content: response.content }],
      }),
    )
    const input = (
      (server.requests[1]?.body ?? { input: [] }) as {
        input: { type?: string; id?: string; encrypted_content?: string }[]
      }
    ).input
    expect(input.find((item) => item.type === 'reasoning')).toMatchObject({
      id: 'rs_01830d662ab3856501693c321405c88190be3ab04d5782d5f9',
      encrypted_content: expect.any(String),
    })
    expect(input.find((item) => item.type === 'function_call')).toMatchObject({
      call_id: 'call_AB6AaRZ1FYZB2RwS6A5vbdqn',
    })
  })

  it('fails with a non-retryable ModelError for an error sent inside a 200 stream', async () => {
    server.enqueue(fixture('openai-responses/stream-error-insufficient-quota.sse'))
    const error = await collectResponse('openai', model({ maxRetries: 2 }).stream(request)).catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(ModelError)
    expect(error).toMatchObject({ provider: 'openai', code: 'insufficient_quota', isRetryable: false })
    expect((error as Error).message).toMatch(/exceeded your current quota/)
    expect(server.requests).toHaveLength(1)
  })

  it('reads a non-streamed body with two parallel function calls', async () => {
    server.enqueue(fixture('openai-responses/nonstream-parallel-function-calls.json'))
    const response = await model().generate(request)
    expect(callsOf(response.content)).toEqual([
      { callId: 'call_LWVp74L5HaH2KNvgVz9PJsrj', name: 'get_location', arguments: '{"loc_name":"Londos"}' },
      { callId: 'call_YnRAWeTyxI91m5uNa5bxXwVO', name: 'get_location', arguments: '{"loc_name":"London"}' },
    ])
    expect(response.finishReason).toBe('tool-calls')
    // The recording reports zero usage; it must come through as recorded.
    expect(response.usage).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
      reasoningTokens: 0,
      cachedInputTokens: 0,
    })
  })

  it('maps the recorded 400 (invalid temperature) to a non-retryable ModelError', async () => {
    server.enqueue(fixture('openai-responses/error-400-invalid-temperature.json', 400))
    const error = await model({ maxRetries: 2 })
      .generate({ ...request, temperature: -1 })
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false, code: 'decimal_below_min_value' })
    expect(server.requests).toHaveLength(1)
  })
})

describe('openai (Responses API) requests', () => {
  it('sends input items, tools, tool choice, structured output, reasoning and pass-through options', async () => {
    server.enqueue(fixture('openai-responses/stream-text.sse'))
    const tools: ModelRequest['tools'] = [
      { name: 'add', description: 'Add', parameters: { type: 'object', properties: {} }, strict: false },
    ]
    await collectResponse(
      'openai',
      model({
        reasoningEffort: 'medium',
        verbosity: 'low',
        store: true,
        providerOptions: { truncation: 'auto' },
      }).stream({
        instructions: 'Be brief.',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Look' },
              { type: 'image', data: 'AAAA', mediaType: 'image/jpeg' },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Adding.' },
              { type: 'tool-call', callId: 'call_1', name: 'add', arguments: '{}' },
            ],
          },
          { role: 'tool', callId: 'call_1', toolName: 'add', content: '3' },
        ],
        tools,
        toolChoice: 'required',
        parallelToolCalls: true,
        maxOutputTokens: 64,
        output: { name: 'final_output', schema: { type: 'object' }, strict: true },
      }),
    )
    expect(server.requests[0]?.body).toEqual({
      model: 'gpt-4o',
      instructions: 'Be brief.',
      stream: true,
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look' },
            { type: 'input_image', image_url: 'data:image/jpeg;base64,AAAA', detail: 'auto' },
          ],
        },
        { role: 'assistant', content: 'Adding.' },
        { type: 'function_call', call_id: 'call_1', name: 'add', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: '3' },
      ],
      max_output_tokens: 64,
      store: true,
      reasoning: { effort: 'medium', summary: 'auto' },
      text: {
        verbosity: 'low',
        format: { type: 'json_schema', name: 'final_output', schema: { type: 'object' }, strict: true },
      },
      tools: [
        {
          type: 'function',
          name: 'add',
          description: 'Add',
          parameters: { type: 'object', properties: {} },
          strict: false,
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: true,
      truncation: 'auto',
    })
  })

  it('reports an incomplete response (max_output_tokens) as finish reason length', async () => {
    const { openaiResponsesStream } = await import('agentloop/testing')
    server.enqueue(openaiResponsesStream({ text: 'cut', finishReason: 'length' }))
    const response = await collectResponse('openai', model().stream(request))
    expect(response.finishReason).toBe('length')
  })
})
