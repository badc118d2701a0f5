import { Agent, createMemoryStorage, Runtime, summarizeOldestTurns } from 'agentloop'
import { openaiChat } from 'agentloop/openai'
import { createSpend } from 'agentloop/server'
import {
  collectEvents,
  createFakeProviderServer,
  type FakeProviderServer,
  openaiChatStream,
  scriptedModel,
} from 'agentloop/testing'
import { bindWorkflow, createWorkflowServices, workflow } from 'agentloop/workflows'
import { llmFunction } from 'agentloop/functions'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { totalKey } from '../src/server/usage-ledger.js'
import { ADMIN_KEY, startServer } from './support/server.js'

const KEY_A1 = 'team-a-key-one-0123456789abcdef'
const KEY_A2 = 'team-a-key-two-0123456789abcdef'
const KEY_B = 'team-b-key-0123456789abcdefghij'
const apiKeys = [
  ADMIN_KEY, // config:0, owner default
  { key: KEY_A1, owner: 'team-a', scopes: ['read', 'run'] as const }, // config:1
  { key: KEY_A2, owner: 'team-a', scopes: ['read', 'run'] as const }, // config:2
  { key: KEY_B, owner: 'team-b', scopes: ['read', 'run'] as const }, // config:3
]

let provider: FakeProviderServer
beforeAll(async () => {
  provider = await createFakeProviderServer()
})
afterAll(async () => {
  await provider.close()
})
beforeEach(() => provider.reset())

async function setup() {
  const storage = createMemoryStorage()
  const mini = openaiChat('gpt-4o-mini', { baseURL: `${provider.url}/v1`, apiKey: 'sk-test', maxRetries: 0 })
  const big = openaiChat('gpt-4o', { baseURL: `${provider.url}/v1`, apiKey: 'sk-test', maxRetries: 0 })
  const miniName = `${mini.provider}:${mini.modelId}`
  const bigName = `${big.provider}:${big.modelId}`
  // Prices per million tokens: only the small model has one.
  const spend = createSpend({ storage, prices: { [miniName]: { input: 1, output: 2 } } })
  const agents = [
    new Agent({ name: 'mini', model: mini, modelSettings: { maxOutputTokens: 50 } }),
    new Agent({ name: 'big', model: big, modelSettings: { maxOutputTokens: 50 } }),
  ]
  const runtime = new Runtime({ storage, agents, observers: [spend], hooks: [spend.hooks] })
  const server = await startServer({ runtime, agents, spend, apiKeys })
  return { ...server, storage, spend, miniName, bigName }
}

describe('server: usage and budgets', () => {
  it('records usage per owner, key, session and model, with cost from the price table', async () => {
    const { request, miniName, bigName } = await setup()
    const chat = async (key: string, agent: string, inputTokens: number, outputTokens: number) => {
      provider.enqueue(openaiChatStream({ text: 'ok', usage: { inputTokens, outputTokens } }))
      const response = await request(`/api/agents/${agent}/chat`, { key, json: { message: 'hi' } })
      expect(response.status).toBe(200)
      const body = await response.json()
      expect(body.status).toBe('completed')
      return body as { runId: string; sessionId: string }
    }
    const first = await chat(KEY_A1, 'mini', 10, 5)
    await chat(KEY_A1, 'mini', 20, 7)
    await chat(KEY_A2, 'big', 30, 11)
    await chat(KEY_B, 'mini', 40, 13)

    const byModel = await (await request('/api/usage?groupBy=model', { key: KEY_A1 })).json()
    expect(byModel.owner).toBe('team-a')
    expect(byModel.totals).toEqual({
      calls: 3,
      inputTokens: 60,
      outputTokens: 23,
      totalTokens: 83,
      cost: (30 * 1 + 12 * 2) / 1e6,
      unpricedCalls: 1,
    })
    expect(byModel.groups).toEqual([
      {
        key: miniName,
        calls: 2,
        inputTokens: 30,
        outputTokens: 12,
        totalTokens: 42,
        cost: 54e-6,
        unpricedCalls: 0,
      },
      {
        key: bigName,
        calls: 1,
        inputTokens: 30,
        outputTokens: 11,
        totalTokens: 41,
        cost: 0,
        unpricedCalls: 1,
      },
    ])
    const byKey = await (await request('/api/usage?groupBy=key', { key: KEY_A2 })).json()
    expect(
      byKey.groups.map((group: { key: string; totalTokens: number }) => [group.key, group.totalTokens]),
    ).toEqual([
      ['config:1', 42],
      ['config:2', 41],
    ])
    const bySession = await (
      await request(`/api/usage?groupBy=session&sessionId=${first.sessionId}`, { key: KEY_A1 })
    ).json()
    expect(bySession.groups).toEqual([
      expect.objectContaining({ key: first.sessionId, calls: 1, totalTokens: 15 }),
    ])
    const byRun = await (await request(`/api/usage?groupBy=run&runId=${first.runId}`, { key: KEY_A1 })).json()
    expect(byRun.totals).toMatchObject({ calls: 1, inputTokens: 10, outputTokens: 5 })

    // Owner B sees only its own usage, and cannot ask for another owner's.
    const b = await (await request('/api/usage', { key: KEY_B })).json()
    expect(b.totals).toMatchObject({
      calls: 1,
      inputTokens: 40,
      outputTokens: 13,
      totalTokens: 53,
      cost: 66e-6,
    })
    expect((await request('/api/usage?owner=team-a', { key: KEY_B })).status).toBe(403)
    // Another owner's run or session filter reads nothing of it.
    const leaked = await (await request(`/api/usage?runId=${first.runId}`, { key: KEY_B })).json()
    expect(leaked.totals.calls).toBe(0)

    // Admins see every owner.
    const all = await (await request('/api/usage?owner=*&groupBy=owner')).json()
    expect(
      all.groups.map((group: { key: string; totalTokens: number }) => [group.key, group.totalTokens]),
    ).toEqual([
      ['team-a', 83],
      ['team-b', 53],
    ])
    // A window before the calls holds none.
    const before = await (await request('/api/usage?from=0&to=1000', { key: KEY_A1 })).json()
    expect(before.totals.calls).toBe(0)
    expect((await request('/api/usage?from=2000&to=1000', { key: KEY_A1 })).status).toBe(422)
  })

  it('refuses a call over an owner budget before any provider request (429 + event), resumes once raised', async () => {
    const { request, storage } = await setup()
    // The call counts its input (about 10 tokens) plus 50 reserved output tokens: over 40.
    const set = await request('/api/owners/team-a/budget', { method: 'PUT', json: { tokensPerDay: 40 } })
    expect(set.status).toBe(200)
    expect(await set.json()).toMatchObject({
      scope: 'owner',
      id: 'team-a',
      tokensPerDay: 40,
      standing: [{ limit: 'tokensPerDay', used: 0 }],
    })

    const refused = await request('/api/agents/mini/chat', { key: KEY_A1, json: { message: 'hi' } })
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0)
    const error = (await refused.json()).error
    expect(error.type).toBe('budget_exceeded')
    expect(error.message).toMatch(/daily tokens budget of owner "team-a" is 40 tokens, 0 tokens are spent/)
    expect(provider.requests).toHaveLength(0)

    // The run failed naming the budget, with a budget.exceeded event before its end.
    const runs = await (await request('/api/runs', { key: KEY_A1 })).json()
    const [failed] = runs.runs
    expect(failed.status).toBe('failed')
    const run = await (await request(`/api/runs/${failed.runId}`, { key: KEY_A1 })).json()
    expect(run.error).toMatchObject({ name: 'BudgetExceededError' })
    const events = await storage.runs.readEvents(failed.runId)
    const exceeded = events.find((event) => event.type === 'budget.exceeded')
    expect(exceeded).toMatchObject({
      budget: { scope: 'owner', id: 'team-a', metric: 'tokens', period: 'day', limit: 40, used: 0 },
    })
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'failed' })

    // Owner B has no budget: unaffected.
    provider.enqueue(openaiChatStream({ text: 'fine', usage: { inputTokens: 3, outputTokens: 2 } }))
    expect(
      (await (await request('/api/agents/mini/chat', { key: KEY_B, json: { message: 'hi' } })).json()).status,
    ).toBe('completed')
    expect(provider.requests).toHaveLength(1)

    // Raised: the failed run resumes from its checkpoint and completes.
    expect(
      (await request('/api/owners/team-a/budget', { method: 'PUT', json: { tokensPerDay: 10_000 } })).status,
    ).toBe(200)
    provider.enqueue(openaiChatStream({ text: 'done', usage: { inputTokens: 12, outputTokens: 4 } }))
    const resumed = await request(`/api/runs/${failed.runId}/resume`, { key: KEY_A1, json: {} })
    expect(resumed.status).toBe(202)
    await waitFor(
      async () =>
        (await (await request(`/api/runs/${failed.runId}`, { key: KEY_A1 })).json()).status === 'completed',
    )
    expect(provider.requests).toHaveLength(2)
    const budget = await (await request('/api/owners/team-a/budget', { key: KEY_A1 })).json()
    expect(budget.standing).toEqual([
      expect.objectContaining({ limit: 'tokensPerDay', value: 10_000, used: 16 }),
    ])

    // Spent: new runs are refused at once (429 before the run starts), with the reset time.
    expect(
      (await request('/api/owners/team-a/budget', { method: 'PUT', json: { tokensPerDay: 16 } })).status,
    ).toBe(200)
    const atOnce = await request('/api/runs', { key: KEY_A2, json: { agent: 'mini', input: 'hi' } })
    expect(atOnce.status).toBe(429)
    expect((await atOnce.json()).error.type).toBe('budget_exceeded')
    expect(provider.requests).toHaveLength(2)

    // Budget changes are audited with who made them and the limits before.
    const audit = await storage.audit.list({ eventType: 'budget.set' })
    expect(audit).toHaveLength(3)
    expect(audit[0]).toMatchObject({
      actor: 'config:0',
      details: {
        scope: 'owner',
        id: 'team-a',
        limits: { tokensPerDay: 16 },
        previous: { tokensPerDay: 10_000 },
      },
    })
  })

  it('a key budget and a run’s maxTokens refuse before any provider request; cost budgets need a price', async () => {
    const { request } = await setup()
    expect(
      (await request('/api/keys/config:1/budget', { method: 'PUT', json: { tokensPerMonth: 30 } })).status,
    ).toBe(200)
    const refused = await request('/api/agents/mini/chat', { key: KEY_A1, json: { message: 'hi' } })
    expect(refused.status).toBe(429)
    expect((await refused.json()).error.message).toMatch(/monthly tokens budget of key "config:1"/)
    // The other key of the same owner is not limited by it.
    provider.enqueue(openaiChatStream({ text: 'ok', usage: { inputTokens: 10, outputTokens: 5 } }))
    expect(
      (await (await request('/api/agents/mini/chat', { key: KEY_A2, json: { message: 'hi' } })).json())
        .status,
    ).toBe('completed')
    expect(provider.requests).toHaveLength(1)

    // A run's own budget: 55 tokens at most, but its first call may use about 10 + 50.
    const submitted = await request('/api/runs', {
      key: KEY_A2,
      json: { agent: 'mini', input: 'hi', maxTokens: 55 },
    })
    expect(submitted.status).toBe(202)
    const { runId } = await submitted.json()
    await waitFor(
      async () => (await (await request(`/api/runs/${runId}`, { key: KEY_A2 })).json()).status === 'failed',
    )
    const run = await (await request(`/api/runs/${runId}`, { key: KEY_A2 })).json()
    expect(run.error.name).toBe('BudgetExceededError')
    expect(run.error.message).toMatch(/maxTokens budget of run/)
    expect(provider.requests).toHaveLength(1)
    // Resumed with a higher maxTokens, it completes.
    provider.enqueue(openaiChatStream({ text: 'ok', usage: { inputTokens: 10, outputTokens: 5 } }))
    expect(
      (await request(`/api/runs/${runId}/resume`, { key: KEY_A2, json: { maxTokens: 1000 } })).status,
    ).toBe(202)
    await waitFor(
      async () =>
        (await (await request(`/api/runs/${runId}`, { key: KEY_A2 })).json()).status === 'completed',
    )
    expect(provider.requests).toHaveLength(2)

    // A cost budget cannot be checked for a model without a price: the call is refused, unsent.
    expect(
      (await request('/api/owners/team-b/budget', { method: 'PUT', json: { costPerDay: 5 } })).status,
    ).toBe(200)
    const unpriced = await (
      await request('/api/agents/big/chat', { key: KEY_B, json: { message: 'hi' } })
    ).json()
    expect(unpriced.status).toBe('failed')
    expect(unpriced.error.message).toMatch(/has no price/)
    expect(provider.requests).toHaveLength(2)
    // Non-admins cannot set budgets; budget input is validated.
    expect(
      (await request('/api/owners/team-b/budget', { key: KEY_B, method: 'PUT', json: { costPerDay: 50 } }))
        .status,
    ).toBe(403)
    const bad = await request('/api/owners/team-b/budget', { method: 'PUT', json: { tokensPerDay: -1 } })
    expect(bad.status).toBe(422)
    expect((await bad.json()).error.field).toBe('body.tokensPerDay')
  })

  it('createServer refuses spend the runtime does not record', async () => {
    const storage = createMemoryStorage()
    const spend = createSpend({ storage })
    await expect(startServer({ runtime: new Runtime({ storage }), spend })).rejects.toThrow(
      /observers: \[spend\], hooks: \[spend.hooks\]/,
    )
    expect(() => createSpend({ storage, prices: { 'gpt-4o': { input: 1, output: 1 } } })).toThrow(
      /"provider:modelId"/,
    )
    expect(() => createSpend({ storage, prices: { 'openai:x': { input: -1, output: 1 } } })).toThrow(
      /input must be a number >= 0/,
    )
  })
})

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('condition never met')
}

describe('spend: model calls inside a run that are not its turns', () => {
  /** A reader agent with a small window whose long history is summarised by a cheaper model. */
  const compactingReader = (answers: { summary: string; turn: string }) => {
    const storage = createMemoryStorage()
    const summariser = scriptedModel(
      [{ text: answers.summary, usage: { inputTokens: 900, outputTokens: 20 } }],
      { provider: 'cheap', modelId: 'summariser' },
    )
    const model = scriptedModel([{ text: answers.turn, usage: { inputTokens: 300, outputTokens: 2 } }], {
      provider: 'main',
      modelId: 'small-window',
      capabilities: { tools: true, contextWindow: 1200, maxOutputTokens: 100 },
    })
    const spend = createSpend({
      storage,
      prices: { 'cheap:summariser': { input: 1, output: 2 }, 'main:small-window': { input: 10, output: 20 } },
    })
    const agent = new Agent({
      name: 'reader',
      model,
      context: { strategies: [summarizeOldestTurns({ model: summariser, keepRecent: 2 })] },
    })
    const runtime = new Runtime({ storage, agents: [agent], observers: [spend], hooks: [spend.hooks] })
    const history = Array.from({ length: 12 }, (_, index) => [
      { role: 'user' as const, content: `Page ${index + 1}: ${'lorem ipsum dolor sit amet '.repeat(40)}` },
      { role: 'assistant' as const, content: `Noted page ${index + 1}.` },
    ]).flat()
    const stream = () =>
      runtime.stream(agent, [...history, { role: 'user', content: 'What did I ask about?' }])
    return { storage, summariser, model, spend, stream }
  }

  it('records the summarising calls of context compaction with their own model and price', async () => {
    const { summariser, spend, stream } = compactingReader({
      summary: 'The user asked about pages 1 to 12.',
      turn: 'ok',
    })
    const events = stream()
    const compact = (await collectEvents(events)).filter((event) => event.type === 'context.compact')
    const result = await events.result
    expect(result.status).toBe('completed')
    expect(summariser.requests).toHaveLength(1)
    expect(compact[0]).toMatchObject({
      steps: [{ model: 'cheap:summariser', usage: { inputTokens: 900, outputTokens: 20 } }],
    })
    await spend.flush()
    const { entries } = await spend.ledger.entries({ from: 0, to: Date.now() + 1000, maxEntries: 10 })
    const byModel = Object.fromEntries(entries.map((entry) => [entry.model, entry]))
    expect(byModel['cheap:summariser']).toMatchObject({
      runId: result.runId,
      inputTokens: 900,
      outputTokens: 20,
      cost: (900 * 1 + 20 * 2) / 1e6,
    })
    expect(byModel['main:small-window']).toMatchObject({ inputTokens: 300, outputTokens: 2 })
    // the run's total counts both, so a run's maxTokens sees what compaction spent
    expect(await spend.ledger.total(totalKey('run', result.runId))).toMatchObject({ tokens: 1222, calls: 2 })
  })

  it('checks a compaction summary against the budgets before it is sent', async () => {
    const { storage, summariser, model, spend, stream } = compactingReader({
      summary: 'never sent',
      turn: 'never sent either',
    })
    // room for the turn after compaction (about 1,200 tokens), not for the summary's transcript
    await spend.budgets.put('owner', 'default', { tokensPerDay: 1500 }, 'test')
    const events = stream()
    await collectEvents(events).catch(() => undefined)
    await expect(events.result).rejects.toThrow(/budget/)
    expect(summariser.requests).toHaveLength(0)
    expect(model.requests).toHaveLength(0)
    const stored = await storage.runs.readEvents((await storage.runs.list({ limit: 1 }))[0]?.runId ?? '')
    expect(stored.find((event) => event.type === 'budget.exceeded')).toMatchObject({
      budget: { scope: 'owner', id: 'default', metric: 'tokens', limit: 1500 },
    })
  })

  it('records an llmFunction’s calls when its events go to spend.observe (no Runtime needed)', async () => {
    const storage = createMemoryStorage()
    const spend = createSpend({ storage, prices: { 'scripted:tagger': { input: 1, output: 1 } } })
    const tagger = llmFunction({
      name: 'tag',
      instructions: 'Tag the text.',
      input: z.object({ text: z.string() }),
      output: z.object({ tag: z.string() }),
      model: scriptedModel([{ text: '{"tag":"billing"}', usage: { inputTokens: 40, outputTokens: 6 } }], {
        modelId: 'tagger',
      }),
    })
    const result = await tagger.run(
      { text: 'my invoice' },
      { onEvent: (event) => (event.type === 'attempt.end' ? undefined : spend.observe?.(event)) },
    )
    expect(result.output).toEqual({ tag: 'billing' })
    await spend.flush()
    const { entries } = await spend.ledger.entries({ from: 0, to: Date.now() + 1000, maxEntries: 10 })
    expect(entries).toMatchObject([
      { model: 'scripted:tagger', inputTokens: 40, outputTokens: 6, cost: 46 / 1e6 },
    ])
  })

  it('checks a workflow’s function node against the workflow owner’s budgets before it is sent', async () => {
    const storage = createMemoryStorage()
    const spend = createSpend({ storage })
    const raterModel = scriptedModel(
      [{ text: '{"stars": 4}', usage: { inputTokens: 20, outputTokens: 4 } }],
      {
        modelId: 'r',
      },
    )
    const rate = llmFunction({
      name: 'rate',
      instructions: 'Rate the text from 1 to 5.',
      input: z.object({ text: z.string() }),
      output: z.object({ stars: z.number() }),
      model: raterModel,
    })
    const runtime = new Runtime({
      storage,
      observers: [spend],
      hooks: [spend.hooks],
      runner: { retryDelayMs: 1 },
    })
    const rating = bindWorkflow(
      workflow('rating')
        .node('start', { type: 'start' })
        .node('rate', { type: 'function', function: 'rate', input: { text: 'A poem' } })
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow template
        .node('end', { type: 'end', output: '${rate.output.stars}' })
        .edge('start', 'rate')
        .edge('rate', 'end')
        .build(),
      { services: createWorkflowServices({ functions: [rate], runtime }) },
    )
    runtime.register(rating)
    await spend.budgets.put('owner', 'team-b', { tokensPerDay: 5 }, 'test')
    await spend.attribute({ runId: 'wf-b', owner: 'team-b', keyId: 'k2' })
    const outcome = await runtime.run(rating, '{}', { runId: 'wf-b' }).then(
      (result) => result.status as string,
      (error: Error) => error.name,
    )
    expect(outcome).not.toBe('completed')
    expect(raterModel.requests).toHaveLength(0)
    const events = await storage.runs.readEvents('wf-b')
    const refused = events.find(
      (event) => event.type === 'node.event' && event.event.type === 'budget.exceeded',
    )
    expect(refused).toMatchObject({
      nodeId: 'rate',
      event: { budget: { scope: 'owner', id: 'team-b', limit: 5 } },
    })
  })

  it('records a workflow’s function nodes once (on the workflow run) and its agent nodes once (on their own runs)', async () => {
    const storage = createMemoryStorage()
    const spend = createSpend({ storage })
    const writerModel = scriptedModel([{ text: 'a poem', usage: { inputTokens: 10, outputTokens: 3 } }], {
      modelId: 'w',
    })
    const writer = new Agent({ name: 'writer', model: writerModel })
    const rate = llmFunction({
      name: 'rate',
      instructions: 'Rate the text from 1 to 5.',
      input: z.object({ text: z.string() }),
      output: z.object({ stars: z.number() }),
      model: scriptedModel([{ text: '{"stars": 4}', usage: { inputTokens: 20, outputTokens: 4 } }], {
        modelId: 'r',
      }),
    })
    const runtime = new Runtime({
      storage,
      agents: [writer],
      observers: [spend],
      hooks: [spend.hooks],
      runner: { retryDelayMs: 1 },
    })
    const pipeline = bindWorkflow(
      workflow('pipeline')
        .node('start', { type: 'start' })
        .node('write', { type: 'agent', agent: 'writer', input: 'A poem' })
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow template
        .node('rating', { type: 'function', function: 'rate', input: { text: '${write.output}' } })
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow template
        .node('end', { type: 'end', output: '${rating.output.stars}' })
        .edge('start', 'write')
        .edge('write', 'rating')
        .edge('rating', 'end')
        .build(),
      { services: createWorkflowServices({ agents: [writer], functions: [rate], runtime }) },
    )
    runtime.register(pipeline)
    // the server charges the workflow's run to its caller; its agent node's run follows (parent)
    await spend.attribute({ runId: 'wf-1', owner: 'team-a', keyId: 'k1' })
    const result = await runtime.run(pipeline, '{}', { runId: 'wf-1' })
    expect(result).toMatchObject({ status: 'completed', output: 4 })
    await spend.flush()
    const { entries } = await spend.ledger.entries({ from: 0, to: Date.now() + 1000, maxEntries: 10 })
    const rows = entries.map((entry) => [
      entry.model,
      entry.inputTokens,
      entry.runId === result.runId,
      entry.owner,
    ])
    expect(rows.sort()).toEqual([
      ['scripted:r', 20, true, 'team-a'],
      ['scripted:w', 10, false, 'team-a'],
    ])
    // so the owner's budgets apply to agent nodes before their calls are sent
    await spend.budgets.put('owner', 'team-a', { tokensPerDay: 40 }, 'test')
    await spend.attribute({ runId: 'wf-2', owner: 'team-a', keyId: 'k1' })
    const again = await runtime.run(pipeline, '{}', { runId: 'wf-2' }).then(
      (outcome) => outcome.status as string,
      (error: Error) => error.name,
    )
    expect(again).not.toBe('completed')
    expect(writerModel.requests).toHaveLength(1)
  })
})
