import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { ConfigError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { ModelRequest } from '../model/model-request.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import { StorageConflictError } from '../storage/storage-errors.js'
import { collectEvents, eventsOfType } from '../testing/collect-events.js'
import { type ScriptedTurnSpec, scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { run } from './run.js'
import { Runtime } from './runtime.js'

const usage = { inputTokens: 1, outputTokens: 1 }

/** A stateless model: calls `tools` in turn 1 (in parallel), then answers with the results it saw. */
function toolThenAnswer(calls: { name: string; arguments: object }[]) {
  return scriptedModel(
    Array.from({ length: 10 }, () => (request: ModelRequest): ScriptedTurnSpec => {
      const results = request.messages.filter((message) => message.role === 'tool')
      if (results.length === 0) {
        return { toolCalls: calls.map((call, i) => ({ ...call, callId: `call_${i}` })), usage }
      }
      return { text: `results: ${results.map((message) => message.content).join(' | ')}`, usage }
    }),
  )
}

function counters() {
  const executions: Record<string, string[]> = {}
  const make = (name: string, options: { idempotent?: boolean; needsApproval?: boolean } = {}) =>
    tool({
      name,
      description: name,
      parameters: z.object({ x: z.number() }),
      ...options,
      execute: ({ x }, { idempotencyKey }) => {
        executions[name] ??= []
        executions[name].push(idempotencyKey)
        return `${name}(${x})`
      },
    })
  return { executions, make }
}

/** A storage whose saves fail from the `failAt`-th save on with a given reason, as a crash would. */
function crashingStorage(storage: Storage, crashOn: (snapshot: Record<string, unknown>) => boolean) {
  let crashed = false
  const runs = {
    ...storage.runs,
    save: (input: Parameters<Storage['runs']['save']>[0]) => {
      if (!crashed && crashOn(input.snapshot as unknown as Record<string, unknown>)) {
        crashed = true
        return Promise.reject(new Error('process died'))
      }
      return crashed ? Promise.reject(new Error('process died')) : storage.runs.save(input)
    },
  }
  return { ...storage, runs } as Storage
}

describe('durable runs', () => {
  it('checkpoints after the start, every model response and every tool start and result, and logs every event', async () => {
    const storage = createMemoryStorage()
    const { make } = counters()
    const agent = new Agent({
      name: 'durable',
      model: toolThenAnswer([
        { name: 'a', arguments: { x: 1 } },
        { name: 'b', arguments: { x: 2 } },
      ]),
      tools: [make('a'), make('b')],
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    const events = runtime.stream(agent, 'go')
    const seen = await collectEvents(events)
    const result = await events.result
    expect(result.output).toBe('results: a(1) | b(2)')
    const reasons = eventsOfType(seen, 'checkpoint.save').map((event) => event.reason)
    expect(reasons.slice(0, 2)).toEqual(['start', 'model'])
    expect(reasons.filter((reason) => reason === 'tool.start')).toHaveLength(2)
    expect(reasons.filter((reason) => reason === 'tool.result')).toHaveLength(2)
    const stored = await storage.runs.load(result.runId)
    expect(stored?.record.status).toBe('completed')
    expect(stored?.snapshot).toMatchObject({ status: 'completed', output: 'results: a(1) | b(2)' })
    // Every event up to run.end is in the run's log, in order.
    const logged = await storage.runs.readEvents(result.runId)
    const upToEnd = seen.slice(0, seen.findIndex((event) => event.type === 'run.end') + 1)
    expect(logged.map((event: RunEvent) => event.seq)).toEqual(upToEnd.map((event) => event.seq))
    expect(logged.map((event: RunEvent) => event.type)).toEqual(upToEnd.map((event) => event.type))
    // A completed run resumes to its stored result without calling anything.
    const again = await new Runtime({ storage, agents: [agent] }).resume(result.runId)
    expect(again).toMatchObject({ status: 'completed', output: 'results: a(1) | b(2)' })
  })

  it('resumes after a crash without repeating completed model calls or tool results', async () => {
    const base = createMemoryStorage()
    const { executions, make } = counters()
    const model = toolThenAnswer([
      { name: 'a', arguments: { x: 1 } },
      { name: 'b', arguments: { x: 2 } },
    ])
    const agent = new Agent({
      name: 'crashy',
      model,
      tools: [make('a'), make('b')],
      parallelToolCalls: false,
    })
    // The process dies right after tool a's result is saved (b never started).
    const storage = crashingStorage(base, (snapshot) => {
      const calls = snapshot.toolCalls as Record<string, { status: string }> | undefined
      return calls?.call_1?.status === 'started'
    })
    await expect(new Runtime({ storage, agents: [agent] }).run(agent, 'go', { runId: 'r1' })).rejects.toThrow(
      'process died',
    )
    expect(executions).toEqual({ a: ['r1:call_0'] })
    expect(model.requests).toHaveLength(1)

    const result = await new Runtime({ storage: base, agents: [agent] }).resume('r1')
    expect(result.output).toBe('results: a(1) | b(2)')
    // a was not run again; the first model call was not repeated.
    expect(executions).toEqual({ a: ['r1:call_0'], b: ['r1:call_1'] })
    expect(model.requests).toHaveLength(2)
    const log = await base.runs.readEvents('r1')
    expect(log.filter((event: RunEvent) => event.type === 'run.start')).toHaveLength(2)
    const seqs = log.map((event: RunEvent) => event.seq)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
  })

  it('re-runs an interrupted idempotent tool with the same idempotency key, and stops a non-idempotent one for review', async () => {
    for (const idempotent of [true, false]) {
      const base = createMemoryStorage()
      const { executions, make } = counters()
      const agent = new Agent({
        name: 'interrupted',
        model: toolThenAnswer([{ name: 'pay', arguments: { x: 5 } }]),
        tools: [make('pay', { idempotent })],
      })
      // The process dies after the tool ran, before its result was saved.
      const storage = crashingStorage(base, (snapshot) => {
        const calls = snapshot.toolCalls as Record<string, { status: string }> | undefined
        return calls?.call_0?.status === 'done'
      })
      await expect(
        new Runtime({ storage, agents: [agent] }).run(agent, 'go', { runId: 'r' }),
      ).rejects.toThrow()
      expect(executions.pay).toEqual(['r:call_0'])

      const runtime = new Runtime({ storage: base, agents: [agent] })
      const result = await runtime.resume('r')
      if (idempotent) {
        expect(result.status).toBe('completed')
        expect(executions.pay).toEqual(['r:call_0', 'r:call_0'])
        continue
      }
      expect(result.status).toBe('needs_review')
      expect(result.interruptions).toEqual([{ callId: 'call_0', toolName: 'pay', arguments: { x: 5 } }])
      expect(executions.pay).toEqual(['r:call_0'])
      // Never re-run silently: resuming again without a decision changes nothing.
      expect((await runtime.resume('r')).status).toBe('needs_review')
      const rejected = await runtime.resume('r', {
        approvals: [{ callId: 'call_0', approve: false, message: 'Already paid.' }],
      })
      expect(rejected.status).toBe('completed')
      expect(rejected.output).toMatch(
        /did not approve this call of tool "pay"; it was not run. Already paid./,
      )
      expect(executions.pay).toEqual(['r:call_0'])
    }
  })

  it('pauses a tool that needs approval and continues from another runtime after the decision', async () => {
    const storage = createMemoryStorage()
    const { executions, make } = counters()
    const tools = [
      make('refund', { needsApproval: true }),
      make('lookup'),
      tool({
        name: 'big_refund',
        description: 'refund',
        parameters: z.object({ x: z.number() }),
        needsApproval: ({ x }) => x > 100,
        execute: ({ x }) => `big_refund(${x})`,
      }),
    ]
    const model = toolThenAnswer([
      { name: 'refund', arguments: { x: 1 } },
      { name: 'lookup', arguments: { x: 2 } },
      { name: 'big_refund', arguments: { x: 500 } },
    ])
    const agent = new Agent({ name: 'support', model, tools })
    const first = new Runtime({ storage, agents: [agent] })
    const events = first.stream(agent, 'refund please', { runId: 'p1' })
    const seen = await collectEvents(events)
    const paused = await events.result
    expect(paused.status).toBe('awaiting_approval')
    expect(paused.interruptions).toEqual([
      { callId: 'call_0', toolName: 'refund', arguments: { x: 1 } },
      { callId: 'call_2', toolName: 'big_refund', arguments: { x: 500 } },
    ])
    expect(eventsOfType(seen, 'approval.request').map((event) => event.callId)).toEqual(['call_0', 'call_2'])
    expect(seen.at(-1)).toMatchObject({ type: 'run.end', status: 'awaiting_approval' })
    // The tool that needs no approval ran before the pause; the others did not.
    expect(executions).toEqual({ lookup: ['p1:call_1'] })
    expect((await storage.runs.get('p1'))?.status).toBe('awaiting_approval')

    const second = new Runtime({ storage, agents: [agent] })
    await expect(second.resume('p1', { approvals: [{ callId: 'call_9', approve: true }] })).rejects.toThrow(
      /approvals name call "call_9", which is not waiting for a decision/,
    )
    const result = await second.resume('p1', {
      approvals: [
        { callId: 'call_0', approve: true },
        { callId: 'call_2', approve: false, message: 'Too large.' },
      ],
    })
    expect(result.status).toBe('completed')
    expect(result.output).toMatch(
      /^results: refund\(1\) \| lookup\(2\) \| The user did not approve .*Too large\.$/,
    )
    expect(executions).toEqual({ lookup: ['p1:call_1'], refund: ['p1:call_0'] })
  })

  it('refuses a tool that needs approval on a runtime without storage, saying what to do', async () => {
    const { make } = counters()
    const agent = new Agent({
      name: 'no-store',
      model: toolThenAnswer([{ name: 'refund', arguments: { x: 1 } }]),
      tools: [make('refund', { needsApproval: true })],
    })
    await expect(run(agent, 'go')).rejects.toThrow(
      /needs approval, so the run must pause .* Create the Runtime with a storage/,
    )
  })

  it('loads a session as history and appends each run; concurrent runs on one session lose nothing', async () => {
    const storage = createMemoryStorage()
    const model = scriptedModel(
      Array.from({ length: 20 }, () => (request: ModelRequest) => ({
        text: `seen ${request.messages.length}`,
        usage,
        delayMs: 5,
      })),
    )
    const agent = new Agent({ name: 'chat', model })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'hello', { session: 's1' })
    const second = await runtime.run(agent, 'again', { session: 's1' })
    expect(second.output).toBe('seen 3')
    expect(await storage.sessions.messages('s1')).toHaveLength(4)
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => runtime.run(agent, `parallel ${i}`, { session: 's1' })),
    )
    const messages = await storage.sessions.messages('s1')
    expect(messages).toHaveLength(4 + 5 * 2)
    for (let i = 0; i < 5; i++) expect(messages).toContainEqual({ role: 'user', content: `parallel ${i}` })
    await expect(run(agent, 'x', { session: 's1' })).rejects.toThrow(/needs a Runtime with storage/)
  })

  it('never lets two processes continue one run', async () => {
    const storage = createMemoryStorage()
    const { make } = counters()
    const agent = new Agent({
      name: 'approve',
      model: toolThenAnswer([{ name: 'refund', arguments: { x: 1 } }]),
      tools: [make('refund', { needsApproval: true })],
    })
    await new Runtime({ storage, agents: [agent] }).run(agent, 'go', { runId: 'c1' })
    const decision = { approvals: [{ callId: 'call_0', approve: true }] }
    const outcomes = await Promise.allSettled([
      new Runtime({ storage, agents: [agent] }).resume('c1', decision),
      new Runtime({ storage, agents: [agent] }).resume('c1', decision),
    ])
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1)
    const failed = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult
    expect(failed.reason).toBeInstanceOf(StorageConflictError)
  })

  it('explains what is wrong when a run cannot be resumed', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'known', model: scriptedModel([]) })
    await expect(new Runtime().resume('x')).rejects.toThrow(/resume needs a Runtime created with storage/)
    await expect(new Runtime({ storage }).resume('missing')).rejects.toThrow(
      'resume: there is no stored run "missing".',
    )
    await storage.runs.save({ runId: 'v9', agentName: 'known', status: 'running', snapshot: { version: 9 } })
    await expect(new Runtime({ storage, agents: [agent] }).resume('v9')).rejects.toThrow(/format version 9/)
    await storage.runs.save({
      runId: 'bad',
      agentName: 'known',
      status: 'running',
      snapshot: { version: 1, runId: 'bad' },
    })
    await expect(new Runtime({ storage, agents: [agent] }).resume('bad')).rejects.toThrow(
      /the stored checkpoint of run "bad" is not a valid run state .* It was not changed\./,
    )
    const other = new Agent({ name: 'other', model: scriptedModel([{ text: 'hi', usage }]) })
    await new Runtime({ storage }).run(other, 'hi', { runId: 'o1' })
    await expect(new Runtime({ storage, agents: [agent] }).resume('o1')).rejects.toThrow(
      /belongs to agent "other", which is not among this runtime's agents \(known\)/,
    )
    expect(() => new Runtime({ agents: [agent, agent] })).toThrow(ConfigError)
  })
})
