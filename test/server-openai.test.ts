import { Agent, createMemoryStorage, Runtime, tool } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ADMIN_KEY, startServer } from './support/server.js'

const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})

async function serve(turns: Parameters<typeof scriptedModel>[0]) {
  const model = scriptedModel(turns)
  const calc = new Agent({ name: 'calc', instructions: 'Use tools.', model, tools: [add] })
  const runtime = new Runtime({ storage: createMemoryStorage(), agents: [calc] })
  const started = await startServer({ runtime, agents: [calc] })
  const client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${started.url}/v1`, maxRetries: 0 })
  return { ...started, client, model }
}

describe('server: OpenAI-compatible endpoint, with the official openai client', () => {
  it('lists agents as models and answers a completion after running the agent’s own tools on the server', async () => {
    const { client, model } = await serve([
      {
        toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }],
        usage: { inputTokens: 10, outputTokens: 4, totalTokens: 14 },
      },
      { text: 'The sum is 5.', usage: { inputTokens: 20, outputTokens: 5, totalTokens: 25 } },
    ])
    const models = await client.models.list()
    expect(models.data.map((entry) => entry.id)).toEqual(['calc'])
    const completion = await client.chat.completions.create({
      model: 'calc',
      messages: [{ role: 'user', content: 'What is 2 + 3?' }],
      temperature: 0.1,
      max_completion_tokens: 50,
    })
    expect(completion.object).toBe('chat.completion')
    expect(completion.choices[0]?.message.content).toBe('The sum is 5.')
    expect(completion.choices[0]?.finish_reason).toBe('stop')
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined()
    expect(completion.usage).toEqual({ prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 })
    expect(model.requests[1]?.messages.find((message) => message.role === 'tool')?.content).toBe('5')
    expect(model.requests[0]?.temperature).toBe(0.1)
    expect(model.requests[0]?.maxOutputTokens).toBe(50)
  })

  it('streams chat.completion.chunk events ending with [DONE], with the usage chunk last', async () => {
    const { client, url } = await serve([
      { text: 'Hello there, streaming world.', usage: { inputTokens: 7, outputTokens: 6, totalTokens: 13 } },
      { text: 'Again.' },
    ])
    const stream = await client.chat.completions.create({
      model: 'calc',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true)
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1)
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant')
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(
      'Hello there, streaming world.',
    )
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop')
    expect(chunks.at(-1)?.choices).toEqual([])
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 7, completion_tokens: 6, total_tokens: 13 })
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true)
    // on the wire: data-only lines, ending with [DONE]
    const raw = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'calc', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
    })
    const text = await raw.text()
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)
    expect(text).not.toMatch(/^event:/m)
    expect(text).not.toContain('"usage"')
  })

  it('returns tools the client sends as tool_calls, then continues with the client’s results', async () => {
    const { client, model } = await serve([
      { toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' }, callId: 'call_w1' }] },
      { text: 'It is sunny in Rome.' },
      { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' }, callId: 'call_w2' }] },
    ])
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Weather of a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ]
    const first = await client.chat.completions.create({
      model: 'calc',
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
      tools,
    })
    expect(first.choices[0]?.finish_reason).toBe('tool_calls')
    const call = first.choices[0]?.message.tool_calls?.[0]
    expect(call).toMatchObject({ id: 'call_w1', type: 'function', function: { name: 'get_weather' } })
    expect(JSON.parse((call as { function: { arguments: string } }).function.arguments)).toEqual({
      city: 'Rome',
    })
    expect(model.requests[0]?.tools.map((entry) => entry.name)).toEqual(['add', 'get_weather'])
    const second = await client.chat.completions.create({
      model: 'calc',
      messages: [
        { role: 'user', content: 'Weather in Rome?' },
        first.choices[0]?.message as OpenAI.Chat.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: 'call_w1', content: 'sunny' },
      ],
      tools,
    })
    expect(second.choices[0]?.message.content).toBe('It is sunny in Rome.')
    expect(model.requests[1]?.messages.at(-1)).toMatchObject({
      role: 'tool',
      callId: 'call_w1',
      content: 'sunny',
    })
    const streamed = await client.chat.completions.create({
      model: 'calc',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools,
      stream: true,
    })
    const chunks = []
    for await (const chunk of streamed) chunks.push(chunk)
    expect(chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])).toEqual([
      {
        index: 0,
        id: 'call_w2',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      },
    ])
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls')
  })

  it('answers errors in OpenAI’s shape: unknown model 404, bad key 401, bad field 422 with param', async () => {
    const { client, url } = await serve([])
    await expect(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({
      status: 404,
      type: 'not_found_error',
      param: 'model',
    })
    const stranger = new OpenAI({ apiKey: 'wrong-key-0000000000000000', baseURL: `${url}/v1`, maxRetries: 0 })
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
    await expect(
      client.chat.completions.create({
        model: 'calc',
        messages: [{ role: 'wizard', content: 'x' }] as never,
      }),
    ).rejects.toMatchObject({ status: 422, param: 'messages[0].role', type: 'invalid_request_error' })
    await expect(
      client.chat.completions.create({
        model: 'calc',
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'function', function: { name: 'add', parameters: {} } }],
      }),
    ).rejects.toMatchObject({ status: 422, param: 'tools[0].function.name' })
    await expect(
      client.chat.completions.create({
        model: 'calc',
        messages: [{ role: 'tool', tool_call_id: 'zz', content: 'x' }],
      }),
    ).rejects.toMatchObject({ status: 422, param: 'messages[0].tool_call_id' })
  })
})
