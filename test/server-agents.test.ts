import { Agent, createMemoryStorage, createToolRegistry, Runtime, tool } from 'agentloop'
import { storageDriverOf } from 'agentloop/storage'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { startServer } from './support/server.js'

const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})

function setup(turns: Parameters<typeof scriptedModel>[0]) {
  const model = scriptedModel(turns)
  const storage = createMemoryStorage()
  const runtime = new Runtime({ storage, models: { test: () => model } })
  const tools = createToolRegistry()
  tools.register(add)
  const calc = new Agent({ name: 'calc', instructions: 'Use tools.', model, tools: [add] })
  return { model, storage, runtime, tools, calc }
}

describe('server: agents', () => {
  it('lists code agents, stores agents as data (201) with tools from the registry, and runs them', async () => {
    const { runtime, tools, calc, model } = setup([
      { toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }] },
      { text: 'It is 5.' },
    ])
    const { request } = await startServer({ runtime, tools, agents: [calc] })
    const created = await request('/api/agents', {
      json: {
        name: 'adder',
        instructions: 'Add things.',
        model: 'test:any',
        tools: ['add'],
        settings: { maxTurns: 4, temperature: 0.2 },
      },
    })
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({
      name: 'adder',
      source: 'stored',
      owner: 'default',
      tools: ['add'],
    })
    const list = await (await request('/api/agents')).json()
    expect(list.agents.map((agent: { name: string }) => agent.name)).toEqual(['calc', 'adder'])
    expect(await (await request('/api/agents/calc')).json()).toMatchObject({
      source: 'code',
      model: 'scripted:scripted-model',
      tools: ['add'],
    })
    const chat = await request('/api/agents/adder/chat', { json: { message: 'What is 2 + 3?' } })
    expect(chat.status).toBe(200)
    const answer = await chat.json()
    expect(answer).toMatchObject({ status: 'completed', output: 'It is 5.' })
    expect(model.requests[0]?.instructions).toBe('Add things.')
    expect(model.requests[0]?.tools.map((entry) => entry.name)).toEqual(['add'])
    expect(model.requests[0]?.temperature).toBe(0.2)
  })

  it('refuses bad agents with 422 naming the field, a duplicate with 409, and an unknown one with 404', async () => {
    const { runtime, tools, calc } = setup([])
    const { request } = await startServer({ runtime, tools, agents: [calc] })
    const unknownTool = await request('/api/agents', {
      json: { name: 'x', instructions: 'i', model: 'test:m', tools: ['add', 'delete_everything'] },
    })
    expect(unknownTool.status).toBe(422)
    expect((await unknownTool.json()).error).toMatchObject({ field: 'body.tools[1]' })
    const unknownProvider = await request('/api/agents', {
      json: { name: 'x', instructions: 'i', model: 'nowhere:m' },
    })
    expect(unknownProvider.status).toBe(422)
    expect((await unknownProvider.json()).error.message).toContain('provider "nowhere"')
    const badName = await request('/api/agents', {
      json: { name: '../x', instructions: 'i', model: 'test:m' },
    })
    expect((await badName.json()).error.field).toBe('body.name')
    const extra = await request('/api/agents', {
      json: { name: 'x', instructions: 'i', model: 'test:m', tols: [] },
    })
    expect(extra.status).toBe(422)
    expect(
      (await request('/api/agents', { json: { name: 'calc', instructions: 'i', model: 'test:m' } })).status,
    ).toBe(409)
    expect(
      (await request('/api/agents', { json: { name: 'x', instructions: 'i', model: 'test:m' } })).status,
    ).toBe(201)
    expect(
      (await request('/api/agents', { json: { name: 'x', instructions: 'i', model: 'test:m' } })).status,
    ).toBe(409)
    expect((await request('/api/agents/nope')).status).toBe(404)
    expect((await request('/api/agents/nope/chat', { json: { message: 'hi' } })).status).toBe(404)
    expect((await request('/api/agents/calc', { method: 'DELETE' })).status).toBe(409)
    expect((await request('/api/agents/x', { method: 'DELETE' })).status).toBe(200)
    expect((await request('/api/agents/x')).status).toBe(404)
  })

  it("hides another owner's stored agent (404), and a read key cannot chat (403)", async () => {
    const { runtime, tools } = setup([])
    const { request } = await startServer({ runtime, tools })
    const keyOf = async (owner: string, scopes: string[]) =>
      (await (await request('/api/keys', { json: { owner, scopes } })).json()).key as string
    const alice = await keyOf('alice', ['run'])
    const bob = await keyOf('bob', ['run'])
    const reader = await keyOf('alice', ['read'])
    expect(
      (await request('/api/agents', { key: alice, json: { name: 'a1', instructions: 'i', model: 'test:m' } }))
        .status,
    ).toBe(201)
    expect((await request('/api/agents/a1', { key: bob })).status).toBe(404)
    expect((await (await request('/api/agents', { key: bob })).json()).agents).toEqual([])
    expect((await request('/api/agents/a1', { key: reader })).status).toBe(200)
    expect((await request('/api/agents/a1/chat', { key: reader, json: { message: 'hi' } })).status).toBe(403)
  })
})

describe('server: chat', () => {
  it('continues a session across chats and streams a run as SSE with id = seq, ending after run.end', async () => {
    const { runtime, calc, model } = setup([{ text: 'Hello!' }, { text: 'Again.' }])
    const { request } = await startServer({ runtime, agents: [calc] })
    const first = await (await request('/api/agents/calc/chat', { json: { message: 'Hi' } })).json()
    expect(first).toMatchObject({ status: 'completed', output: 'Hello!' })
    expect(first.sessionId).toEqual(expect.any(String))
    const streamed = await request('/api/agents/calc/chat', {
      json: { message: 'Once more', sessionId: first.sessionId, stream: true },
    })
    expect(streamed.headers.get('Content-Type')).toContain('text/event-stream')
    const text = await streamed.text()
    const events = text
      .split('\n\n')
      .filter((block) => block.includes('data:'))
      .map((block) => {
        const id = /^id: (.*)$/m.exec(block)?.[1]
        const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null')
        return { id, data }
      })
    expect(events.at(-1)?.data).toMatchObject({ type: 'run.end', status: 'completed' })
    for (const event of events) expect(event.id).toBe(String(event.data.seq))
    expect(
      events
        .filter((event) => event.data.type === 'text.delta')
        .map((event) => event.data.delta)
        .join(''),
    ).toBe('Again.')
    // the second chat saw the first exchange: the session carried it
    expect(model.requests[1]?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user'])
    const messages = await (await request(`/api/sessions/${first.sessionId}/messages`)).json()
    expect(messages.messages).toHaveLength(4)
  })

  it('answers a failed run with status failed and the error, and refuses a run over the concurrency limit with 429', async () => {
    const { runtime, calc } = setup([
      { error: new Error('provider down') },
      { delayMs: 400, text: 'slow' },
      { text: 'x' },
    ])
    const { request } = await startServer({ runtime, agents: [calc], limits: { concurrentRuns: 1 } })
    const failed = await (await request('/api/agents/calc/chat', { json: { message: 'Hi' } })).json()
    expect(failed).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('provider down') },
    })
    const slow = request('/api/agents/calc/chat', { json: { message: 'slow one' } })
    await new Promise((resolve) => setTimeout(resolve, 150))
    const refused = await request('/api/agents/calc/chat', { json: { message: 'second' } })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('Retry-After')).toBe('1')
    expect((await refused.json()).error.message).toContain('concurrentRuns = 1')
    expect((await (await slow).json()).output).toBe('slow')
  })
})

describe('server: providers', () => {
  it('stores a provider with its API key encrypted at rest, never returns the key, and agents use it', async () => {
    const storage = createMemoryStorage()
    const runtime = new Runtime({ storage })
    const secret = 's'.repeat(40)
    const { request } = await startServer({ runtime, secret })
    const created = await request('/api/providers', {
      json: {
        name: 'local-llm',
        type: 'openai-chat',
        baseURL: 'http://127.0.0.1:9/v1',
        apiKey: 'sk-very-secret-123',
      },
    })
    expect(created.status).toBe(201)
    const body = await created.json()
    expect(body).toMatchObject({ name: 'local-llm', hasApiKey: true })
    expect(JSON.stringify(body)).not.toContain('sk-very-secret')
    const rows = await storageDriverOf(storage)?.list('server.provider')
    expect(JSON.stringify(rows)).not.toContain('sk-very-secret')
    expect(JSON.stringify(await (await request('/api/providers')).json())).not.toContain('sk-very-secret')
    expect((await request('/api/providers/local-llm')).status).toBe(200)
    const agent = await request('/api/agents', {
      json: { name: 'via', instructions: 'i', model: 'local-llm:llama' },
    })
    expect(agent.status).toBe(201)
    const noSecret = await startServer({
      runtime: new Runtime({ storage: createMemoryStorage() }),
      secret: undefined,
    })
    const refused = await noSecret.request('/api/providers', {
      json: { name: 'p', type: 'openai', apiKey: 'sk-1' },
    })
    expect(refused.status).toBe(422)
    expect((await refused.json()).error.message).toContain('AGENTLOOP_SECRET')
    expect((await request('/api/providers/local-llm', { method: 'DELETE' })).status).toBe(200)
    expect((await request('/api/providers/local-llm')).status).toBe(404)
  })
})
