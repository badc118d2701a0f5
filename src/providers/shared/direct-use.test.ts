import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { Agent, type JsonValue, type Model, type ModelResponse, run, stream } from 'agentloop'
import { aiSdk } from 'agentloop/ai-sdk'
import { anthropic } from 'agentloop/anthropic'
import { openai, openaiChat } from 'agentloop/openai'
import {
  anthropicStream,
  createFakeProviderServer,
  type FakeProviderServer,
  type FakeResponse,
  openaiChatStream,
  openaiResponsesStream,
  type WireAnswer,
} from 'agentloop/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

let server: FakeProviderServer
beforeAll(async () => {
  server = await createFakeProviderServer()
})
afterAll(() => server.close())
beforeEach(() => server.reset())

type Body = Record<string, unknown>
interface Adapter {
  create(includeRaw: boolean): Model
  answer(answer: WireAnswer): FakeResponse
  /** The non-streamed body of a text answer. */
  body(text: string): Body
}

const key = 'sk-test-secret-key-123456'
const adapters: Record<string, Adapter> = {
  openaiChat: {
    create: (includeRaw) => openaiChat('gpt-4o', { apiKey: key, baseURL: `${server.url}/v1`, includeRaw }),
    answer: openaiChatStream,
    body: (text) => ({
      id: 'chatcmpl-1',
      model: 'gpt-4o',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    }),
  },
  'openai (Responses)': {
    create: (includeRaw) => openai('gpt-4o', { apiKey: key, baseURL: `${server.url}/v1`, includeRaw }),
    answer: openaiResponsesStream,
    body: (text) => ({
      id: 'resp_1',
      model: 'gpt-4o',
      status: 'completed',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }],
      usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
    }),
  },
  anthropic: {
    create: (includeRaw) =>
      anthropic('claude-sonnet-4-6', { apiKey: 'sk-ant-test-123456789', baseURL: server.url, includeRaw }),
    answer: anthropicStream,
    body: (text) => ({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-6',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 3, output_tokens: 2 },
    }),
  },
  aiSdk: {
    create: (includeRaw) =>
      aiSdk(
        createOpenAICompatible({ name: 'compatible', baseURL: `${server.url}/v1`, apiKey: key }).chatModel(
          'gpt-4o',
        ),
        { includeRaw },
      ),
    answer: openaiChatStream,
    body: (text) => ({
      id: 'chatcmpl-1',
      model: 'gpt-4o',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    }),
  },
}

describe.each(Object.entries(adapters))('%s used directly, without an agent', (_name, adapter) => {
  it('generate({ messages }) needs no tools or toolChoice and answers with outputText', async () => {
    server.enqueue({ json: adapter.body('Hello there.') })
    const response = await adapter.create(false).generate({ messages: [{ role: 'user', content: 'Hi' }] })
    expect(response.outputText).toBe('Hello there.')
    expect(response).not.toHaveProperty('raw')
    const body = server.requests[0]?.body as Body
    expect(body).not.toHaveProperty('tools')
    expect(body).not.toHaveProperty('tool_choice')
  })

  it('attaches the raw body with includeRaw, off by default', async () => {
    const body = adapter.body('Raw please.')
    server.enqueue({ json: body })
    const response = await adapter.create(true).generate({ messages: [{ role: 'user', content: 'Hi' }] })
    expect(response.raw).toMatchObject(body as Record<string, JsonValue>)
  })

  it('attaches the raw stream events to the response, model.end and afterModel hooks', async () => {
    server.enqueue(adapter.answer({ text: 'Streamed raw.' }))
    const seen: ModelResponse[] = []
    const agent = new Agent({
      name: 'raw',
      model: adapter.create(true),
      hooks: {
        afterModel: ({ response }) => {
          seen.push(response)
        },
      },
    })
    const events = stream(agent, 'Hi')
    const ends: unknown[] = []
    for await (const event of events) if (event.type === 'model.end') ends.push(event.raw)
    expect((await events.result).output).toBe('Streamed raw.')
    expect(Array.isArray(ends[0])).toBe(true)
    expect(JSON.stringify(ends[0])).toContain('Stre')
    expect(seen[0]?.raw).toEqual(ends[0])

    server.enqueue(adapter.answer({ text: 'No raw.' }))
    const plain = await run(new Agent({ name: 'plain', model: adapter.create(false) }), 'Hi')
    expect(plain.output).toBe('No raw.')
  })
})
