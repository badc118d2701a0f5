import { describe, expect, it } from 'vitest'
import {
  crashingStorage,
  researcherAgent,
  statelessModel,
  toolResults,
  usage,
  writerAgent,
} from '../../test/support/multi-agent-fixtures.js'
import { Agent } from '../agent/agent.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { collectEvents, eventsOfType } from '../testing/collect-events.js'
import { Runtime } from './runtime.js'

describe('agent tool approvals', () => {
  it('asTool({ needsApproval: true }) pauses before the nested run starts', async () => {
    const storage = createMemoryStorage()
    const researcher = researcherAgent()
    const writerModel = statelessModel((request) =>
      toolResults(request).length === 0
        ? { toolCalls: [{ name: 'ask', arguments: { input: 'dig' }, callId: 'a1' }], usage }
        : { text: `got ${toolResults(request).join('')}`, usage },
    )
    const writer = new Agent({
      name: 'writer',
      model: writerModel,
      tools: [researcher.agent.asTool({ name: 'ask', needsApproval: true })],
    })
    const runtime = new Runtime({ storage, agents: [writer] })
    const paused = await runtime.run(writer, 'go', { runId: 'n' })
    expect(paused.interruptions).toEqual([{ callId: 'a1', toolName: 'ask', arguments: { input: 'dig' } }])
    expect(researcher.model.requests).toHaveLength(0)
    expect(await storage.runs.get('n/a1')).toBeNull()
    const done = await runtime.resume('n', { approvals: [{ callId: 'a1', approve: true }] })
    expect(done.output).toBe('got facts (paid 3)')
  })

  it('surfaces the nested approvals in the calling run and continues both through its resume', async () => {
    const storage = createMemoryStorage()
    const researcher = researcherAgent({ needsApproval: true })
    const writer = writerAgent(researcher.agent)
    const runtime = new Runtime({ storage, agents: [writer.agent] })
    const events = runtime.stream(writer.agent, 'Write', { runId: 'w' })
    const seen = await collectEvents(events)
    const paused = await events.result

    expect(paused.status).toBe('awaiting_approval')
    expect(paused.interruptions).toEqual([
      { callId: 'r1/p1', toolName: 'pay', arguments: { amount: 3 }, agent: 'researcher', runId: 'w/r1' },
    ])
    expect(eventsOfType(seen, 'approval.request')).toEqual([
      expect.objectContaining({ callId: 'r1/p1', toolName: 'pay', kind: 'approval' }),
    ])
    expect((await storage.runs.get('w/r1'))?.status).toBe('awaiting_approval')
    expect(researcher.log).toEqual([])

    // The caller's id alone is not a decision: it waits on the nested call.
    await expect(runtime.resume('w', { approvals: [{ callId: 'r1', approve: true }] })).rejects.toThrow(
      /call "r1", which is not waiting .* nested agent: decide those\). Calls waiting: "r1\/p1"/,
    )
    const researcherCalls = researcher.model.requests.length
    const done = await runtime.resume('w', { approvals: [{ callId: 'r1/p1', approve: true }] })
    expect(done).toMatchObject({ status: 'completed', output: 'article: facts (paid 3)' })
    expect(researcher.log).toEqual(['w/r1:p1'])
    // The nested run continued: its first model call was not made again.
    expect(researcher.model.requests.length).toBe(researcherCalls + 1)
    expect(done.usage.modelCalls).toBe(4)
  })

  it('passes a rejection on to the nested run, whose model is told', async () => {
    const storage = createMemoryStorage()
    const researcher = researcherAgent({ needsApproval: true })
    const writer = writerAgent(researcher.agent)
    const runtime = new Runtime({ storage, agents: [writer.agent] })
    await runtime.run(writer.agent, 'Write', { runId: 'w' })
    const done = await runtime.resume('w', {
      approvals: [{ callId: 'r1/p1', approve: false, message: 'too expensive' }],
    })
    expect(researcher.log).toEqual([])
    expect(done.output).toMatch(
      /article: facts \(The user did not approve this call of tool "pay".*too expensive\)/,
    )
  })

  it('nests agents two deep: paths, composite call ids and approvals go through every level', async () => {
    const storage = createMemoryStorage()
    const researcher = researcherAgent({ needsApproval: true })
    const editorModel = statelessModel((request) =>
      toolResults(request).length === 0
        ? { toolCalls: [{ name: 'researcher', arguments: { input: 'dig' }, callId: 'e1' }], usage }
        : { text: `edited ${toolResults(request).join('')}`, usage },
    )
    const editor = new Agent({ name: 'editor', model: editorModel, tools: [researcher.agent.asTool()] })
    const chief = new Agent({
      name: 'chief',
      model: statelessModel((request) =>
        toolResults(request).length === 0
          ? { toolCalls: [{ name: 'editor', arguments: { input: 'edit' }, callId: 'c1' }], usage }
          : { text: `chief: ${toolResults(request).join('')}`, usage },
      ),
      tools: [editor.asTool()],
    })
    const runtime = new Runtime({ storage, agents: [chief] })
    const events = runtime.stream(chief, 'go', { runId: 'c' })
    const seen = await collectEvents(events)
    const paused = await events.result
    expect(paused.interruptions).toEqual([
      {
        callId: 'c1/e1/p1',
        toolName: 'pay',
        arguments: { amount: 3 },
        agent: 'researcher',
        runId: 'c/c1/e1',
      },
    ])
    const deepest = eventsOfType(seen, 'nested.event').filter((event) => event.path.length === 2)
    expect(deepest[0]).toMatchObject({
      callId: 'c1',
      path: ['editor', 'researcher'],
      event: { runId: 'c/c1/e1' },
    })
    const done = await runtime.resume('c', { approvals: [{ callId: 'c1/e1/p1', approve: true }] })
    expect(done).toMatchObject({ status: 'completed', output: 'chief: edited facts (paid 3)' })
    expect(done.usage.modelCalls).toBe(6)
    expect(researcher.log).toEqual(['c/c1/e1:p1'])
  })
})

describe('durable agent tools', () => {
  // `again`: the nested model calls the resume makes (completed ones are not made again).
  const points: {
    name: string
    again: number
    crashOn: (input: { reason: string; runId: string }) => boolean
  }[] = [
    {
      name: "the nested run's first save",
      again: 2,
      crashOn: ({ runId, reason }) => runId === 'w/r1' && reason === 'start',
    },
    {
      name: "the nested run's last save",
      again: 1,
      crashOn: ({ runId, reason }) => runId === 'w/r1' && reason === 'end',
    },
    {
      name: "the caller's result save",
      again: 0,
      crashOn: ({ runId, reason }) => runId === 'w' && reason === 'tool.result',
    },
  ]
  for (const point of points) {
    it(`a crash at ${point.name} resumes without repeating completed nested work`, async () => {
      const base = createMemoryStorage()
      const researcher = researcherAgent()
      const writer = writerAgent(researcher.agent)
      const storage = crashingStorage(base, point.crashOn)
      await expect(
        new Runtime({ storage, agents: [writer.agent] }).run(writer.agent, 'Write', { runId: 'w' }),
      ).rejects.toThrow('process died')
      const researcherCalls = researcher.model.requests.length
      const result = await new Runtime({ storage: base, agents: [writer.agent] }).resume('w')
      expect(result).toMatchObject({ status: 'completed', output: 'article: facts (paid 3)' })
      // `pay` is not idempotent: it ran exactly once over the crash.
      expect(researcher.log).toEqual(['w/r1:p1'])
      expect(researcher.model.requests.length - researcherCalls).toBe(point.again)
      // The nested run's usage is counted once: 2 writer and 2 researcher model calls.
      expect(result.usage.modelCalls).toBe(4)
    })
  }

  it("a nested call interrupted mid-tool asks for a review through the caller's resume", async () => {
    const base = createMemoryStorage()
    const researcher = researcherAgent()
    const writer = writerAgent(researcher.agent)
    const storage = crashingStorage(base, ({ runId, reason }) => runId === 'w/r1' && reason === 'tool.result')
    await expect(
      new Runtime({ storage, agents: [writer.agent] }).run(writer.agent, 'Write', { runId: 'w' }),
    ).rejects.toThrow('process died')
    const runtime = new Runtime({ storage: base, agents: [writer.agent] })
    const review = await runtime.resume('w')
    expect(review.status).toBe('needs_review')
    expect(review.interruptions).toEqual([
      expect.objectContaining({ callId: 'r1/p1', toolName: 'pay', agent: 'researcher' }),
    ])
    const done = await runtime.resume('w', {
      approvals: [{ callId: 'r1/p1', approve: false, message: 'it ran' }],
    })
    expect(done.status).toBe('completed')
    expect(researcher.log).toEqual(['w/r1:p1'])
  })
})
