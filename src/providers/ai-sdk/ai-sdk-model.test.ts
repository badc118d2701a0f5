import type { LanguageModelV3StreamPart } from '@ai-sdk/provider'
import { APICallError } from '@ai-sdk/provider'
import { ConfigError, collectResponse, ModelError, type ModelRequest } from 'agentloop'
import { aiSdk } from 'agentloop/ai-sdk'
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test'
import { describe, expect, it } from 'vitest'

const request: ModelRequest = {
  instructions: 'Be brief.',
  messages: [
    { role: 'user', content: 'Add 2 and 3, and 4 and 5' },
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'two sums', providerMetadata: { anthropic: { signature: 'sig' } } },
        { type: 'tool-call', callId: 'c1', name: 'add', arguments: '{"a":2,"b":3}' },
        { type: 'tool-call', callId: 'c2', name: 'add', arguments: '{"a":4,"b":5}' },
      ],
    },
    { role: 'tool', callId: 'c1', toolName: 'add', content: '5' },
    { role: 'tool', callId: 'c2', toolName: 'add', content: 'boom', isError: true },
  ],
  tools: [{ name: 'add', description: 'Add', parameters: { type: 'object', properties: {} }, strict: true }],
  toolChoice: { name: 'add' },
  output: { name: 'final_output', schema: { type: 'object' }, strict: true },
  temperature: 0.2,
  maxOutputTokens: 100,
  providerOptions: { openai: { user: 'u1' } },
}

const usage = {
  inputTokens: { total: 12, noCache: 2, cacheRead: 10, cacheWrite: undefined },
  outputTokens: { total: 8, text: 5, reasoning: 3 },
}
const finish = (unified: 'stop' | 'tool-calls') =>
  ({ type: 'finish', finishReason: { unified, raw: unified }, usage }) as LanguageModelV3StreamPart

const streamOf = (chunks: LanguageModelV3StreamPart[]) => ({ stream: simulateReadableStream({ chunks }) })

describe('aiSdk (AI SDK language model v3)', () => {
  it('translates the request into the v3 call options and prompt', async () => {
    const mock = new MockLanguageModelV3({
      doStream: streamOf([{ type: 'text-delta', id: 't', delta: 'ok' }, finish('stop')]),
    })
    await collectResponse('mock', aiSdk(mock).stream(request))
    const call = mock.doStreamCalls[0]
    expect(call?.prompt).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Add 2 and 3, and 4 and 5' }] },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'two sums', providerOptions: { anthropic: { signature: 'sig' } } },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'add', input: { a: 2, b: 3 } },
          { type: 'tool-call', toolCallId: 'c2', toolName: 'add', input: { a: 4, b: 5 } },
        ],
      },
      {
        role: 'tool',
        content: [
          { type: 'tool-result', toolCallId: 'c1', toolName: 'add', output: { type: 'text', value: '5' } },
          {
            type: 'tool-result',
            toolCallId: 'c2',
            toolName: 'add',
            output: { type: 'error-text', value: 'boom' },
          },
        ],
      },
    ])
    expect(call).toMatchObject({
      tools: [
        {
          type: 'function',
          name: 'add',
          description: 'Add',
          inputSchema: { type: 'object', properties: {} },
          strict: true,
        },
      ],
      toolChoice: { type: 'tool', toolName: 'add' },
      responseFormat: { type: 'json', name: 'final_output', schema: { type: 'object' } },
      temperature: 0.2,
      maxOutputTokens: 100,
      providerOptions: { openai: { user: 'u1' } },
    })
    expect(call?.abortSignal).toBeInstanceOf(AbortSignal)
  })

  it('maps streamed text, reasoning, tool inputs, whole tool calls, usage with cache tokens and the finish reason', async () => {
    const mock = new MockLanguageModelV3({
      modelId: 'gpt-4o',
      doStream: streamOf([
        { type: 'stream-start', warnings: [] },
        { type: 'response-metadata', id: 'resp-1', modelId: 'gpt-4o-2024' },
        { type: 'reasoning-start', id: 'r' },
        { type: 'reasoning-delta', id: 'r', delta: 'thinking' },
        { type: 'reasoning-end', id: 'r', providerMetadata: { anthropic: { signature: 's' } } },
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'Hel' },
        { type: 'text-delta', id: 't', delta: 'lo' },
        { type: 'text-end', id: 't' },
        { type: 'tool-input-start', id: 'c1', toolName: 'add' },
        { type: 'tool-input-delta', id: 'c1', delta: '{"a":2,' },
        { type: 'tool-input-delta', id: 'c1', delta: '"b":3}' },
        { type: 'tool-input-end', id: 'c1' },
        { type: 'tool-call', toolCallId: 'c1', toolName: 'add', input: '{"a":2,"b":3}' },
        { type: 'tool-call', toolCallId: 'c2', toolName: 'add', input: '{"a":4,"b":5}' },
        finish('tool-calls'),
      ]),
    })
    const model = aiSdk(mock)
    expect(model).toMatchObject({
      provider: 'mock-provider',
      modelId: 'gpt-4o',
      capabilities: { contextWindow: 128_000 },
    })
    const response = await collectResponse('mock', model.stream(request))
    expect(response).toEqual({
      content: [
        { type: 'reasoning', text: 'thinking', providerMetadata: { anthropic: { signature: 's' } } },
        { type: 'text', text: 'Hello' },
        { type: 'tool-call', callId: 'c1', name: 'add', arguments: '{"a":2,"b":3}' },
        { type: 'tool-call', callId: 'c2', name: 'add', arguments: '{"a":4,"b":5}' },
      ],
      finishReason: 'tool-calls',
      usage: { inputTokens: 12, outputTokens: 8, totalTokens: 20, reasoningTokens: 3, cachedInputTokens: 10 },
      outputText: 'Hello',
      responseId: 'resp-1',
      modelId: 'gpt-4o-2024',
    })
  })

  it('maps doGenerate content', async () => {
    const mock = new MockLanguageModelV3({
      doGenerate: {
        content: [
          { type: 'text', text: 'Sum: ' },
          { type: 'tool-call', toolCallId: 'c9', toolName: 'add', input: '{"a":1,"b":1}' },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      },
    })
    const response = await aiSdk(mock).generate(request)
    expect(response.content).toEqual([
      { type: 'text', text: 'Sum: ' },
      { type: 'tool-call', callId: 'c9', name: 'add', arguments: '{"a":1,"b":1}' },
    ])
    expect(response.finishReason).toBe('tool-calls')
  })

  it('retries an APICallError marked retryable within the budget, and not a non-retryable one', async () => {
    const failure = (statusCode: number) =>
      new APICallError({
        message: `status ${statusCode}`,
        url: 'http://x',
        requestBodyValues: {},
        statusCode,
        isRetryable: statusCode >= 500,
        responseHeaders: { 'retry-after-ms': '1' },
      })
    let calls = 0
    const flaky = new MockLanguageModelV3({
      doStream: async () => {
        calls++
        if (calls < 3) throw failure(503)
        return streamOf([{ type: 'text-delta', id: 't', delta: 'finally' }, finish('stop')])
      },
    })
    const response = await collectResponse('mock', aiSdk(flaky, { maxRetries: 2 }).stream(request))
    expect(response.content).toEqual([{ type: 'text', text: 'finally' }])
    expect(calls).toBe(3)

    let badCalls = 0
    const bad = new MockLanguageModelV3({
      doStream: async () => {
        badCalls++
        throw failure(400)
      },
    })
    const error = await collectResponse('mock', aiSdk(bad, { maxRetries: 2 }).stream(request)).catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(ModelError)
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false, provider: 'mock-provider' })
    expect(badCalls).toBe(1)
  })

  it('turns an error part into a ModelError and never yields finish', async () => {
    const mock = new MockLanguageModelV3({
      doStream: streamOf([
        { type: 'text-delta', id: 't', delta: 'partial' },
        { type: 'error', error: new Error('upstream failed') },
      ]),
    })
    const seen: string[] = []
    const error = await (async () => {
      for await (const part of aiSdk(mock, { maxRetries: 0 }).stream(request)) seen.push(part.type)
    })().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ModelError)
    expect(seen).not.toContain('finish')
  })

  it('rejects a model of another specification version with a ConfigError', () => {
    expect(() => aiSdk({ specificationVersion: 'v2' } as never)).toThrow(ConfigError)
  })
})
