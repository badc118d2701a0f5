import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { HookVetoError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { Hooks } from '../hooks/hooks.js'
import type { ModelRequest } from '../model/model-request.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { collectEvents } from '../testing/collect-events.js'
import { type ScriptedTurnSpec, scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { Runtime } from './runtime.js'

const usage = { inputTokens: 1, outputTokens: 1 }

/** A model that calls `lookup` once, then answers. */
function lookupThenAnswer() {
  return scriptedModel(
    Array.from({ length: 20 }, () => (request: ModelRequest): ScriptedTurnSpec => {
      const last = request.messages.at(-1)
      if (last?.role === 'user') return { toolCalls: [{ name: 'lookup', arguments: {} }], usage }
      return { text: 'done', usage }
    }),
  )
}
const lookup = tool({
  name: 'lookup',
  description: 'Look up',
  parameters: z.object({}),
  execute: () => 'found',
})

/** Hooks that log every state hook (and the model hook) they see, as `<label>:<hook>[:detail]`. */
function logging(label: string, log: string[]): Hooks {
  return {
    beforeModel: () => void log.push(`${label}:beforeModel`),
    afterModel: () => void log.push(`${label}:afterModel`),
    beforeTool: () => void log.push(`${label}:beforeTool`),
    afterTool: () => void log.push(`${label}:afterTool`),
    beforeSave: (event) => void log.push(`${label}:beforeSave:${event.reason}:${event.revision}`),
    afterSave: (event) => void log.push(`${label}:afterSave:${event.reason}:${event.revision}`),
    beforeSessionLoad: (event) => void log.push(`${label}:beforeSessionLoad:${event.sessionId}`),
    afterSessionLoad: (event) => void log.push(`${label}:afterSessionLoad:${event.messages?.length}`),
    beforeSessionAppend: (event) => void log.push(`${label}:beforeSessionAppend:${event.messages.length}`),
    afterSessionAppend: (event) => void log.push(`${label}:afterSessionAppend:${event.messages.length}`),
    beforeResume: (event) => void log.push(`${label}:beforeResume:${event.revision}:${event.status}`),
    afterResume: (event) => void log.push(`${label}:afterResume:${event.revision}`),
  }
}

describe('state hooks and state events', () => {
  it('call the hooks around each save, session load and append, in order, with the events in the log', async () => {
    const storage = createMemoryStorage()
    await storage.sessions.append('s', [{ role: 'user', content: 'earlier' }])
    const log: string[] = []
    const agent = new Agent({
      name: 'a',
      model: lookupThenAnswer(),
      tools: [lookup],
      hooks: logging('agent', log),
    })
    const runtime = new Runtime({ storage, agents: [agent], hooks: logging('runtime', log) })
    const stream = runtime.stream(agent, 'find it', { session: 's', runId: 'r' })
    const events = await collectEvents(stream)
    await stream.result
    const mine = log.filter((line) => line.startsWith('runtime:'))
    expect(mine).toEqual([
      'runtime:beforeSessionLoad:s',
      'runtime:afterSessionLoad:1',
      'runtime:beforeSave:start:1',
      'runtime:afterSave:start:1',
      'runtime:beforeModel',
      'runtime:afterModel',
      'runtime:beforeSave:model:2',
      'runtime:afterSave:model:2',
      'runtime:beforeTool',
      'runtime:beforeSave:tool.start:3',
      'runtime:afterSave:tool.start:3',
      'runtime:afterTool',
      'runtime:beforeSave:tool.result:4',
      'runtime:afterSave:tool.result:4',
      'runtime:beforeModel',
      'runtime:afterModel',
      'runtime:beforeSave:end:5',
      'runtime:beforeSessionAppend:4',
      'runtime:afterSave:end:5',
      'runtime:afterSessionAppend:4',
    ])
    // before*: runtime then agent; after*: agent then runtime (the runtime wraps the agent)
    expect(log.slice(0, 4)).toEqual([
      'runtime:beforeSessionLoad:s',
      'agent:beforeSessionLoad:s',
      'agent:afterSessionLoad:1',
      'runtime:afterSessionLoad:1',
    ])
    const stateEvents = events.filter((event) => ['session.load', 'session.append'].includes(event.type))
    expect(stateEvents).toEqual([
      expect.objectContaining({ type: 'session.load', sessionId: 's', messages: 1 }),
      expect.objectContaining({ type: 'session.append', sessionId: 's', messages: 4 }),
    ])
    expect(stateEvents[0]).toMatchObject({ headId: (await storage.sessions.entries('s'))[0]?.id })
    // saved, then told: the stored log equals the stream
    expect(await storage.runs.readEvents('r')).toEqual(events)
    expect(events.at(-1)?.type).toBe('run.end')
  })

  it('fail the run when beforeSave vetoes, writing nothing more', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'a', model: lookupThenAnswer(), tools: [lookup] })
    const runtime = new Runtime({
      storage,
      agents: [agent],
      hooks: { beforeSave: (event) => (event.reason === 'model' ? { veto: 'read-only window' } : undefined) },
    })
    const stream = runtime.stream(agent, 'find it', { runId: 'v' })
    const events: RunEvent[] = await collectEvents(stream)
    const error = await stream.result.catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(HookVetoError)
    expect((error as HookVetoError).hook).toBe('beforeSave')
    expect((error as Error).message).toMatch(
      /beforeSave hook refused the save of run "v" \(model, revision 2\): read-only window/,
    )
    expect(events.at(-1)).toMatchObject({
      type: 'run.end',
      status: 'failed',
      error: { name: 'HookVetoError' },
    })
    // the claim is all that was stored: the run stays resumable at revision 1
    expect(await storage.runs.get('v')).toMatchObject({ status: 'running', revision: 1 })
    // the stream's deltas before the veto were stored as they came; no save after the claim, no end
    const stored = (await storage.runs.readEvents('v')).map((event) => event.type)
    expect(stored.filter((type) => type === 'checkpoint.save')).toHaveLength(1)
    expect(stored).not.toContain('run.end')
  })

  it('fail the run when beforeSessionAppend or beforeSessionLoad vetoes, leaving the session as it was', async () => {
    const storage = createMemoryStorage()
    await storage.sessions.append('s', [{ role: 'user', content: 'earlier' }])
    const agent = new Agent({ name: 'a', model: lookupThenAnswer(), tools: [lookup] })
    const appendVeto = new Runtime({
      storage,
      agents: [agent],
      hooks: { beforeSessionAppend: () => ({ veto: 'session frozen' }) },
    })
    const error = await appendVeto
      .run(agent, 'find it', { session: 's', runId: 'x' })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(HookVetoError)
    expect((error as Error).message).toMatch(
      /beforeSessionAppend hook refused the append of 4 messages of run "x" to session "s"/,
    )
    expect(await storage.sessions.messages('s')).toHaveLength(1)
    expect((await storage.runs.get('x'))?.status).toBe('running')

    const loadVeto = new Runtime({
      storage,
      agents: [agent],
      hooks: { beforeSessionLoad: (event) => ({ veto: `no access to ${event.sessionId}` }) },
    })
    const refused = await loadVeto
      .run(agent, 'find it', { session: 's', runId: 'y' })
      .catch((thrown: unknown) => thrown)
    expect((refused as Error).message).toMatch(
      /beforeSessionLoad hook refused the load of session "s" by run "y": no access to s/,
    )
    expect(await storage.runs.get('y')).toBeNull()
  })

  it('tell a resume with checkpoint.load (the revision), and let beforeResume refuse it, changing nothing', async () => {
    const storage = createMemoryStorage()
    const charge = tool({
      name: 'charge',
      description: 'Charge',
      parameters: z.object({}),
      needsApproval: true,
      execute: () => 'charged',
    })
    const model = scriptedModel([
      { toolCalls: [{ name: 'charge', arguments: {} }], usage },
      { text: 'paid', usage },
    ])
    const agent = new Agent({ name: 'shop', model, tools: [charge] })
    const paused = await new Runtime({ storage, agents: [agent] }).run(agent, 'pay', { runId: 'p' })
    const stored = await storage.runs.get('p')
    expect(stored?.status).toBe('awaiting_approval')
    const approvals = [{ callId: paused.interruptions[0]?.callId ?? '', approve: true }]

    const vetoing = new Runtime({
      storage,
      agents: [agent],
      hooks: { beforeResume: () => ({ veto: 'outside hours' }) },
    })
    const error = await vetoing.resume('p', { approvals }).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(HookVetoError)
    expect((error as Error).message).toMatch(
      /beforeResume hook refused the resume of run "p" from revision \d+ \(awaiting_approval\)/,
    )
    expect(await storage.runs.get('p')).toMatchObject({
      status: 'awaiting_approval',
      revision: stored?.revision,
    })

    const log: string[] = []
    const runtime = new Runtime({ storage, agents: [agent], hooks: logging('rt', log) })
    const result = await runtime.resume('p', { approvals })
    expect(result.status).toBe('completed')
    expect(log.filter((line) => line.includes('Resume'))).toEqual([
      `rt:beforeResume:${stored?.revision}:awaiting_approval`,
      `rt:afterResume:${stored?.revision}`,
    ])
    const events = await storage.runs.readEvents('p')
    const resumedAt = events.findIndex((event) => event.type === 'run.start' && event.resumed === true)
    expect(events[resumedAt + 1]).toMatchObject({
      type: 'checkpoint.load',
      revision: stored?.revision,
      status: 'awaiting_approval',
    })
  })
})
