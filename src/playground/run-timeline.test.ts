import { Agent, createMemoryStorage, type RunEvent, Runtime, tool } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { applyEvent, emptyLiveRun, pendingApprovals } from './live-run.js'
import { buildTimeline } from './run-timeline.js'
import type { StreamedEvent } from './sse-client.js'

const add = tool({
  name: 'add',
  description: 'Add',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})
const refund = tool({
  name: 'refund',
  description: 'Refund',
  parameters: z.object({ order: z.string() }),
  needsApproval: true,
  execute: ({ order }) => `refunded ${order}`,
})

async function eventsOf(agent: Agent, input: string): Promise<StreamedEvent[]> {
  const runtime = new Runtime({ storage: createMemoryStorage(), agents: [agent] })
  const events: RunEvent[] = []
  for await (const event of runtime.stream(agent, input)) events.push(event)
  return events as unknown as StreamedEvent[]
}

describe('the run timeline (real events of a run)', () => {
  it('has the run, each turn, model call and tool call with durations and usage, and checkpoints', async () => {
    const model = scriptedModel([
      {
        reasoning: 'add them',
        toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }],
        usage: { inputTokens: 10, outputTokens: 4 },
      },
      { text: 'It is 5.', usage: { inputTokens: 20, outputTokens: 3 } },
    ])
    const events = await eventsOf(new Agent({ name: 'calc', model, tools: [add] }), 'What is 2 + 3?')
    const rows = buildTimeline(events)
    const kinds = rows
      .filter((row) => row.kind !== 'checkpoint' && row.kind !== 'budget')
      .map((row) => `${row.kind}:${row.label}`)
    expect(kinds).toEqual([
      'run:run calc',
      'turn:turn 1',
      'model:model scripted:scripted-model',
      'tool:tool add',
      'turn:turn 2',
      'model:model scripted:scripted-model',
    ])
    const models = rows.filter((row) => row.kind === 'model')
    expect(models.map((row) => row.usage?.inputTokens)).toEqual([10, 20])
    expect(models[0]?.status).toBe('tool-calls')
    const run = rows[0]
    expect(run).toMatchObject({ status: 'completed', depth: 0 })
    expect(run?.usage).toMatchObject({ inputTokens: 30, outputTokens: 7 })
    for (const row of rows.filter((entry) => entry.kind !== 'checkpoint' && entry.kind !== 'budget')) {
      expect(row.end, row.label).toBeGreaterThanOrEqual(row.start)
      expect(row.durationMs, row.label).toBeGreaterThanOrEqual(0)
    }
    expect(rows.some((row) => row.kind === 'checkpoint')).toBe(true)
  })

  it('marks a call waiting for approval, and the live view shows it pending', async () => {
    const model = scriptedModel([{ toolCalls: [{ name: 'refund', arguments: { order: 'A1' } }] }])
    const events = await eventsOf(new Agent({ name: 'shop', model, tools: [refund] }), 'Refund A1')
    const rows = buildTimeline(events)
    expect(rows.find((row) => row.kind === 'approval')).toMatchObject({
      label: 'approval requested: refund',
      status: 'waiting',
    })
    expect(rows[0]?.status).toBe('awaiting_approval')

    const view = events.reduce(applyEvent, emptyLiveRun('r'))
    expect(view.status).toBe('awaiting_approval')
    expect(pendingApprovals(view)).toMatchObject([{ toolName: 'refund', arguments: { order: 'A1' } }])
    expect(view.items[0]).toEqual({ type: 'user', text: 'Refund A1' })
  })
})

describe('the timeline of a failed run', () => {
  it('marks the failing tool call and the run with their errors', async () => {
    const broken = tool({
      name: 'broken',
      description: 'Fails',
      parameters: z.object({}),
      execute: () => {
        throw new Error('disk full')
      },
    })
    const model = scriptedModel([
      { toolCalls: [{ name: 'broken', arguments: {} }] },
      { error: new Error('provider down') },
    ])
    const agent = new Agent({ name: 'fragile', model, tools: [broken] })
    const runtime = new Runtime({ storage: createMemoryStorage(), agents: [agent] })
    const events: RunEvent[] = []
    const stream = runtime.stream(agent, 'go')
    for await (const event of stream) events.push(event)
    await stream.result.catch(() => {})
    const rows = buildTimeline(events as unknown as StreamedEvent[])
    expect(rows.find((row) => row.kind === 'tool')).toMatchObject({
      status: 'error',
      error: expect.stringContaining('disk full'),
    })
    expect(rows[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('provider down') })
    // the model call that failed never ended: the run's end closes it
    expect(rows.filter((row) => row.kind === 'model').at(-1)).toMatchObject({
      status: 'interrupted',
      end: rows[0]?.end,
    })
  })
})

describe('the live view of a run', () => {
  it('joins deltas per turn, keeps reasoning apart, follows a tool call to its result, ignores replays', async () => {
    const model = scriptedModel(
      [
        { reasoning: 'I should add', toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }] },
        { text: 'The sum is two.' },
      ],
      { chunkSize: 3 },
    )
    const events = await eventsOf(new Agent({ name: 'calc', model, tools: [add] }), 'sum?')
    const view = events.reduce(applyEvent, emptyLiveRun('r'))
    expect(view.items.map((item) => item.type)).toEqual(['user', 'reasoning', 'tool', 'text'])
    expect(view.items[1]).toMatchObject({ text: 'I should add' })
    expect(view.items[2]).toMatchObject({
      toolName: 'add',
      argumentsText: '{"a":1,"b":1}',
      arguments: { a: 1, b: 1 },
      output: '2',
      isError: false,
      state: 'done',
    })
    expect(view.items[3]).toMatchObject({ text: 'The sum is two.' })
    expect(view.status).toBe('completed')
    // replaying an event already applied changes nothing
    expect(applyEvent(view, events[3] as StreamedEvent)).toBe(view)
    // a view rebuilt from a saved copy and the rest of the events is the same
    const half = Math.floor(events.length / 2)
    const saved = JSON.parse(JSON.stringify(events.slice(0, half).reduce(applyEvent, emptyLiveRun('r'))))
    expect(events.slice(half).reduce(applyEvent, saved)).toEqual(view)
  })
})
