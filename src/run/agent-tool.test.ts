import { describe, expect, it } from 'vitest'
import {
  researcherAgent,
  statelessModel,
  toolResults,
  usage,
  writerAgent,
} from '../../test/support/multi-agent-fixtures.js'
import { Agent } from '../agent/agent.js'
import { ConfigError, RunCancelledError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { collectEvents, eventsOfType } from '../testing/collect-events.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { Runtime } from './runtime.js'

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

  it('runs two nested agents of one turn at once; both usages are added', async () => {
    const first = researcherAgent()
    const second = researcherAgent()
    const other = new Agent({ name: 'second', model: second.model, tools: second.agent.tools })
    const caller = new Agent({
      name: 'caller',
      model: statelessModel((request) =>
        toolResults(request).length === 0
          ? {
              toolCalls: [
                { name: 'researcher', arguments: { input: 'a' }, callId: 'x' },
                { name: 'second', arguments: { input: 'b' }, callId: 'y' },
              ],
              usage,
            }
          : { text: toolResults(request).join(' + '), usage },
      ),
      tools: [first.agent.asTool(), other.asTool()],
    })
    const result = await new Runtime({ storage: createMemoryStorage() }).run(caller, 'go', { runId: 'two' })
    expect(result.output).toBe('facts (paid 3) + facts (paid 3)')
    expect(result.usage).toMatchObject({ modelCalls: 6, toolCalls: 4 })
    expect([...first.log, ...second.log].sort()).toEqual(['two/x:p1', 'two/y:p1'])
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
