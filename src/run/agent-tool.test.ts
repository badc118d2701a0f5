import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { ConfigError, RunCancelledError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { ModelRequest } from '../model/model-request.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import { collectEvents, eventsOfType } from '../testing/collect-events.js'
import { type ScriptedTurnSpec, scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { Runtime } from './runtime.js'

const usage = { inputTokens: 10, outputTokens: 5 }

/** A model deciding from the request alone (so a resumed run gets the same answers). */
function statelessModel(decide: (request: ModelRequest) => ScriptedTurnSpec) {
  return scriptedModel(Array.from({ length: 20 }, () => decide))
}

const toolResults = (request: ModelRequest) =>
  request.messages.filter((message) => message.role === 'tool').map((message) => message.content)

/** A researcher that calls `pay` once (when given), then answers with what it saw. */
function researcherAgent(options: { needsApproval?: boolean; log?: string[] } = {}) {
  const log = options.log ?? []
  const pay = tool({
    name: 'pay',
    description: 'Pay for a report (never twice)',
    parameters: z.object({ amount: z.number() }),
    needsApproval: options.needsApproval ?? false,
    execute: ({ amount }, { idempotencyKey }) => {
      log.push(idempotencyKey)
      return `paid ${amount}`
    },
  })
  const model = statelessModel((request) => {
    const results = toolResults(request)
    if (results.length === 0)
      return { toolCalls: [{ name: 'pay', arguments: { amount: 3 }, callId: 'p1' }], usage }
    return { text: `facts (${results.join(', ')})`, usage }
  })
  const agent = new Agent({ name: 'researcher', instructions: 'Research.', model, tools: [pay] })
  return { agent, model, log }
}

/** A writer that asks the researcher once, then answers with the research. */
function writerAgent(researcher: Agent) {
  const model = statelessModel((request) => {
    const results = toolResults(request)
    if (results.length === 0) {
      return { toolCalls: [{ name: 'researcher', arguments: { input: 'find facts' }, callId: 'r1' }], usage }
    }
    return { text: `article: ${results.join(' | ')}`, usage }
  })
  const agent = new Agent({
    name: 'writer',
    model,
    tools: [researcher.asTool({ description: 'Research a topic' })],
  })
  return { agent, model }
}

describe('agent.asTool()', () => {
  it('runs the agent as a nested run: its answer is the result, its events are nested, its usage added', async () => {
    const storage = createMemoryStorage()
    const researcher = researcherAgent()
    const writer = writerAgent(researcher.agent)
    const runtime = new Runtime({ storage, agents: [writer.agent] })
    const events = runtime.stream(writer.agent, 'Write about agents', { runId: 'w' })
    const seen = await collectEvents(events)
    const result = await events.result

    expect(writer.model.requests[0]?.tools).toEqual([
      expect.objectContaining({
        name: 'researcher',
        description: 'Research a topic',
        parameters: expect.objectContaining({ required: ['input'] }),
      }),
    ])
    expect(researcher.model.requests[0]?.messages).toEqual([{ role: 'user', content: 'find facts' }])
    expect(result).toMatchObject({
      status: 'completed',
      output: 'article: facts (paid 3)',
      lastAgent: 'writer',
    })
    // 2 writer calls + 2 researcher calls; 1 writer tool call + 1 researcher tool call.
    expect(result.usage).toMatchObject({ modelCalls: 4, toolCalls: 2, inputTokens: 40, outputTokens: 20 })

    const nested = eventsOfType(seen, 'nested.event')
    expect(nested.every((event) => event.callId === 'r1' && event.path.join() === 'researcher')).toBe(true)
    expect(nested.map((event) => event.event.type)).toContain('tool.start')
    expect(nested[0]?.event).toMatchObject({ type: 'run.start', runId: 'w/r1', agent: 'researcher' })
    expect(nested.at(-1)?.event).toMatchObject({ type: 'run.end', status: 'completed', runId: 'w/r1' })
    // The nested events sit between the agent tool's start and end, and in the parent's stored log.
    const types = seen.map((event) =>
      event.type === 'tool.start' || event.type === 'tool.end' ? event.type : '',
    )
    expect(types.indexOf('tool.start')).toBeLessThan(seen.indexOf(nested[0] as RunEvent))
    expect(types.lastIndexOf('tool.end')).toBeGreaterThan(seen.indexOf(nested.at(-1) as RunEvent))
    expect(eventsOfType(await storage.runs.readEvents('w'), 'nested.event')).toHaveLength(nested.length)

    const child = await storage.runs.load('w/r1')
    expect(child?.snapshot).toMatchObject({ status: 'completed', parent: { runId: 'w', callId: 'r1' } })
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

  it('sends a nested failure to the model as an error result; the calling run goes on', async () => {
    const broken = new Agent({
      name: 'broken',
      model: scriptedModel([{ error: new Error('provider down') }]),
    })
    const caller = new Agent({
      name: 'caller',
      model: statelessModel((request) =>
        toolResults(request).length === 0
          ? { toolCalls: [{ name: 'broken', arguments: { input: 'x' } }], usage }
          : { text: `saw: ${toolResults(request).join('')}`, usage },
      ),
      tools: [broken.asTool()],
    })
    const result = await new Runtime().run(caller, 'go')
    expect(result.output).toMatch(/^saw: Error: agent "broken" failed: ModelError: .*provider down/)
  })

  it('needs storage for nested approvals, and says so', async () => {
    const researcher = researcherAgent({ needsApproval: true })
    const writer = writerAgent(researcher.agent)
    await expect(new Runtime().run(writer.agent, 'go')).rejects.toThrow(ConfigError)
  })

  it('cancelling the calling run cancels the nested run', async () => {
    const storage = createMemoryStorage()
    const slow = new Agent({ name: 'slow', model: scriptedModel([{ text: 'late', delayMs: 5_000 }]) })
    const caller = new Agent({
      name: 'caller',
      model: scriptedModel([{ toolCalls: [{ name: 'slow', arguments: { input: 'x' }, callId: 's1' }] }]),
      tools: [slow.asTool()],
    })
    const controller = new AbortController()
    const running = new Runtime({ storage }).run(caller, 'go', { runId: 'k', signal: controller.signal })
    setTimeout(() => controller.abort(), 200)
    await expect(running).rejects.toBeInstanceOf(RunCancelledError)
    expect((await storage.runs.get('k/s1'))?.status).toBe('cancelled')
  })

  it('rejects bad asTool options with errors naming the field', () => {
    const { agent } = researcherAgent()
    expect(() => agent.asTool({ toolName: 'x' } as never)).toThrow(
      /asTool\(options\): unknown option "toolName"/,
    )
    expect(() => agent.asTool({ needsApproval: 'yes' } as never)).toThrow(
      /needsApproval must be true or false/,
    )
    expect(() => agent.asTool({ name: 'has space' })).toThrow(/name must be 1-64 letters/)
  })

  it('runs as a plain run when executed outside a run loop', async () => {
    const { agent } = researcherAgent()
    const asTool = agent.asTool()
    const output = await asTool.execute(
      { input: 'direct' },
      {
        context: undefined,
        signal: new AbortController().signal,
        runId: 'x',
        callId: 'y',
        turn: 1,
        idempotencyKey: 'x:y',
      },
    )
    expect(output).toBe('facts (paid 3)')
  })
})

/** A storage whose saves fail from the first one `crashOn` picks on, as if the process died there. */
function crashingStorage(
  storage: Storage,
  crashOn: (input: { reason: string; runId: string }) => boolean,
): Storage {
  let crashed = false
  const die = () => Promise.reject(new Error('process died'))
  return {
    ...storage,
    runs: {
      ...storage.runs,
      save: (input) => {
        const report = input.events?.find((event) => event.type === 'checkpoint.save')
        const reason = report?.type === 'checkpoint.save' ? report.reason : 'unknown'
        if (!crashed && crashOn({ reason, runId: input.runId })) crashed = true
        return crashed ? die() : storage.runs.save(input)
      },
      appendEvents: (...args) => (crashed ? die() : storage.runs.appendEvents(...args)),
    },
  }
}

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
