import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { ConfigError, ModelError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { ModelRequest } from '../model/model-request.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import { collectEvents } from '../testing/collect-events.js'
import { type ScriptedTurnSpec, scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { Runtime } from './runtime.js'

/**
 * The nine behaviours of issue 10 (and the run-level ones of issues 11 and 13), each a regression
 * test that failed before the run's state machine was written down.
 */

const usage = { inputTokens: 1, outputTokens: 1 }

type Snapshot = {
  status: string
  toolCalls?: Record<string, { status: string }>
}

/** A storage whose saves fail from the first one `crashOn` picks, as if the process died there. */
function crashingStorage(storage: Storage, crashOn: (snapshot: Snapshot) => boolean): Storage {
  let crashed = false
  const die = () => Promise.reject(new Error('process died'))
  const runs = {
    ...storage.runs,
    save: (input: Parameters<Storage['runs']['save']>[0]) => {
      if (!crashed && crashOn(input.snapshot as unknown as Snapshot)) crashed = true
      return crashed ? die() : storage.runs.save(input)
    },
    appendEvents: (...args: Parameters<Storage['runs']['appendEvents']>) =>
      crashed ? die() : storage.runs.appendEvents(...args),
  }
  return { ...storage, runs }
}

function recorder() {
  const executions: string[] = []
  const make = (name: string, options: { idempotent?: boolean; needsApproval?: boolean } = {}) =>
    tool({
      name,
      description: name,
      parameters: z.object({ x: z.number() }),
      ...options,
      execute: ({ x }, { idempotencyKey }) => {
        executions.push(`${name} ${idempotencyKey}`)
        return `${name}(${x})`
      },
    })
  return { executions, make }
}

/** Calls `name` once (callId call_0), then answers with the tool results it saw. */
function callThenAnswer(name: string) {
  return scriptedModel(
    Array.from({ length: 10 }, () => (request: ModelRequest): ScriptedTurnSpec => {
      const results = request.messages.filter((message) => message.role === 'tool')
      if (results.length === 0) return { toolCalls: [{ name, arguments: { x: 1 }, callId: 'call_0' }], usage }
      return { text: `done: ${results.map((message) => message.content).join(' | ')}`, usage }
    }),
  )
}

const callStatus = (snapshot: Snapshot) => snapshot.toolCalls?.call_0?.status

describe('durable run guarantees', () => {
  it('1. never runs a tool call cut at the output limit, not even on resume', async () => {
    const storage = createMemoryStorage()
    const { executions, make } = recorder()
    const model = scriptedModel([
      { toolCalls: [{ name: 'pay', arguments: { x: 1 } }], finishReason: 'length', usage },
      { text: 'I will not pay.', usage },
    ])
    const agent = new Agent({ name: 'cut', model, tools: [make('pay')] })
    const runtime = new Runtime({ storage, agents: [agent] })
    await expect(runtime.run(agent, 'pay', { runId: 'r' })).rejects.toBeInstanceOf(ModelError)
    expect((await storage.runs.get('r'))?.status).toBe('failed')
    const resumed = await runtime.resume('r')
    expect(resumed).toMatchObject({ status: 'completed', output: 'I will not pay.' })
    expect(executions).toEqual([])
  })

  it('2. stores the session turn with the final checkpoint: a crash between them never appends twice', async () => {
    const base = createMemoryStorage()
    const model = scriptedModel([
      { text: 'first answer', usage },
      { text: 'second answer', usage },
    ])
    const agent = new Agent({ name: 'chat', model })
    const storage = crashingStorage(base, (snapshot) => snapshot.status === 'completed')
    await expect(
      new Runtime({ storage, agents: [agent] }).run(agent, 'hello', { runId: 'r', session: 's' }),
    ).rejects.toThrow('process died')
    expect(await base.sessions.messages('s')).toEqual([])
    const result = await new Runtime({ storage: base, agents: [agent] }).resume('r')
    expect(result.output).toBe('second answer')
    expect(await base.sessions.messages('s')).toEqual([
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: [{ type: 'text', text: 'second answer' }] },
    ])
  })

  it('logs only the new input in run.start of a session run, not the session history', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({
      name: 'chat',
      model: scriptedModel([
        { text: 'one', usage },
        { text: 'two', usage },
      ]),
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'first', { runId: 'a', session: 's' })
    const second = await runtime.run(agent, 'second', { runId: 'b', session: 's' })
    expect(second.messages).toHaveLength(4)
    const [start] = await storage.runs.readEvents('b')
    expect(start).toMatchObject({ type: 'run.start', input: [{ role: 'user', content: 'second' }] })
  })

  it('3. tells run.end only after the save that makes it true', async () => {
    for (const status of ['completed', 'awaiting_approval']) {
      const base = createMemoryStorage()
      const { make } = recorder()
      const agent = new Agent({
        name: 'end',
        model: callThenAnswer('pay'),
        tools: [make('pay', { needsApproval: status === 'awaiting_approval' })],
      })
      const storage = crashingStorage(base, (snapshot) => snapshot.status === status)
      const events = new Runtime({ storage, agents: [agent] }).stream(agent, 'go', { runId: 'r' })
      const seen = await collectEvents(events)
      await expect(events.result).rejects.toThrow('process died')
      const ends = seen.filter((event) => event.type === 'run.end')
      expect(ends).toHaveLength(1)
      expect(ends[0]).toMatchObject({ status: 'failed', error: { message: 'process died' } })
      expect(seen.some((event) => event.type === 'checkpoint.save' && event.reason === 'end')).toBe(false)
      expect((await base.runs.get('r'))?.status).toBe('running')
    }
  })

  it('4. a decision naming no waiting call is a ConfigError that leaves the stored run as it was', async () => {
    const storage = createMemoryStorage()
    const { executions, make } = recorder()
    const agent = new Agent({
      name: 'typo',
      model: callThenAnswer('refund'),
      tools: [make('refund', { needsApproval: true })],
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'go', { runId: 'r' })
    const before = await storage.runs.load('r')
    const eventsBefore = await storage.runs.readEvents('r')
    const error = await runtime
      .resume('r', { approvals: [{ callId: 'call_O', approve: true }] })
      .catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(/"call_O".*Calls waiting: "call_0".*the run was not changed/)
    expect(await storage.runs.load('r')).toEqual(before)
    expect(await storage.runs.readEvents('r')).toEqual(eventsBefore)
    expect(await storage.runs.list({ status: 'awaiting_approval' })).toHaveLength(1)
    const result = await runtime.resume('r', { approvals: [{ callId: 'call_0', approve: true }] })
    expect(result.status).toBe('completed')
    expect(executions).toEqual(['refund r:call_0'])
  })

  it('5. seq is unique and increasing across a crash and a resume, and the streams equal the stored log', async () => {
    const base = createMemoryStorage()
    const { make } = recorder()
    const agent = new Agent({ name: 'seq', model: callThenAnswer('lookup'), tools: [make('lookup')] })
    // Dies when the tool's start is saved: the model's deltas were streamed before.
    const storage = crashingStorage(base, (snapshot) => callStatus(snapshot) === 'started')
    const first = new Runtime({ storage, agents: [agent] }).stream(agent, 'go', { runId: 'r' })
    const seenFirst = await collectEvents(first)
    await expect(first.result).rejects.toThrow('process died')
    // The process "died": its last run.end could not be stored, so a live process would not send it.
    expect(seenFirst.at(-1)).toMatchObject({ type: 'run.end', status: 'failed' })
    const storedFirst = await base.runs.readEvents('r')
    expect(storedFirst).toEqual(seenFirst.slice(0, -1))
    expect(storedFirst.some((event) => event.type === 'text.delta' || event.type === 'turn.start')).toBe(true)

    const runtime = new Runtime({ storage: base, agents: [agent] })
    const result = await runtime.resume('r')
    expect(result.status).toBe('completed')
    const log = await base.runs.readEvents('r')
    const resumed: RunEvent[] = log.slice(storedFirst.length)
    expect(log.slice(0, storedFirst.length)).toEqual(storedFirst)
    expect(resumed[0]).toMatchObject({ type: 'run.start', resumed: true, seq: storedFirst.length + 1 })
    const seqs = log.map((event) => event.seq)
    expect(seqs).toEqual(Array.from({ length: log.length }, (_, index) => index + 1))
  })

  it('5b. a resumed stream shows exactly the events the log gets', async () => {
    const storage = createMemoryStorage()
    const { make } = recorder()
    const agent = new Agent({
      name: 'seq2',
      model: callThenAnswer('refund'),
      tools: [make('refund', { needsApproval: true })],
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    const first = runtime.stream(agent, 'go', { runId: 'r' })
    const seen = await collectEvents(first)
    expect(await storage.runs.readEvents('r')).toEqual(seen)
    await runtime.resume('r', { approvals: [{ callId: 'call_0', approve: true }] })
    const log = await storage.runs.readEvents('r')
    expect(log.slice(0, seen.length)).toEqual(seen)
    expect(log.at(-1)).toMatchObject({ type: 'run.end', status: 'completed', seq: log.length })
  })

  it('6. an approved idempotent call interrupted after it started runs again without asking again', async () => {
    const base = createMemoryStorage()
    const { executions, make } = recorder()
    const agent = new Agent({
      name: 'approved',
      model: callThenAnswer('sync'),
      tools: [make('sync', { idempotent: true, needsApproval: true })],
    })
    await new Runtime({ storage: base, agents: [agent] }).run(agent, 'go', { runId: 'r' })
    const storage = crashingStorage(base, (snapshot) => callStatus(snapshot) === 'done')
    await expect(
      new Runtime({ storage, agents: [agent] }).resume('r', {
        approvals: [{ callId: 'call_0', approve: true }],
      }),
    ).rejects.toThrow('process died')
    const result = await new Runtime({ storage: base, agents: [agent] }).resume('r')
    expect(result).toMatchObject({ status: 'completed', output: 'done: sync(1)' })
    expect(executions).toEqual(['sync r:call_0', 'sync r:call_0'])
  })

  it('7. a rejection is saved with the claim: a crash before the next save never asks again', async () => {
    const base = createMemoryStorage()
    const { executions, make } = recorder()
    const agent = new Agent({
      name: 'reject',
      model: callThenAnswer('refund'),
      tools: [make('refund', { needsApproval: true })],
    })
    await new Runtime({ storage: base, agents: [agent] }).run(agent, 'go', { runId: 'r' })
    const storage = crashingStorage(base, (snapshot) => snapshot.status === 'completed')
    await expect(
      new Runtime({ storage, agents: [agent] }).resume('r', {
        approvals: [{ callId: 'call_0', approve: false, message: 'No.' }],
      }),
    ).rejects.toThrow('process died')
    const result = await new Runtime({ storage: base, agents: [agent] }).resume('r')
    expect(result.status).toBe('completed')
    expect(result.output).toMatch(/did not approve this call of tool "refund"; it was not run\. No\.$/)
    expect(executions).toEqual([])
  })

  it('8. an explicit rejection of an interrupted idempotent call is honoured', async () => {
    const base = createMemoryStorage()
    const { executions, make } = recorder()
    const agent = new Agent({
      name: 'interrupted',
      model: callThenAnswer('sync'),
      tools: [make('sync', { idempotent: true })],
    })
    const storage = crashingStorage(base, (snapshot) => callStatus(snapshot) === 'done')
    await expect(new Runtime({ storage, agents: [agent] }).run(agent, 'go', { runId: 'r' })).rejects.toThrow(
      'process died',
    )
    expect(executions).toEqual(['sync r:call_0'])
    const result = await new Runtime({ storage: base, agents: [agent] }).resume('r', {
      approvals: [{ callId: 'call_0', approve: false, message: 'Stop.' }],
    })
    expect(result.output).toMatch(/did not approve this call of tool "sync"; it was not run\. Stop\.$/)
    expect(executions).toEqual(['sync r:call_0'])
  })

  it('9. makes call ids unique within a run when a provider repeats them across turns', async () => {
    const storage = createMemoryStorage()
    const { executions, make } = recorder()
    const model = scriptedModel([
      { toolCalls: [{ name: 'a', arguments: { x: 1 }, callId: 'call_openai_1' }], usage },
      { toolCalls: [{ name: 'b', arguments: { x: 2 }, callId: 'call_openai_1' }], usage },
      { text: 'ok', usage },
    ])
    const agent = new Agent({ name: 'ids', model, tools: [make('a'), make('b')] })
    const result = await new Runtime({ storage, agents: [agent] }).run(agent, 'go', { runId: 'r' })
    expect(executions).toEqual(['a r:call_openai_1', 'b r:call_2_0'])
    const callIds = result.items.filter((item) => item.type === 'tool.call').map((item) => item.callId)
    expect(new Set(callIds).size).toBe(2)
    // Each result answers its own call in what the model saw.
    const last = model.requests.at(-1)?.messages ?? []
    expect(last.filter((message) => message.role === 'tool').map((message) => message.callId)).toEqual([
      'call_openai_1',
      'call_2_0',
    ])
  })

  it('reusing the id of a stored run says the run exists and what to do, and writes nothing', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({
      name: 'again',
      model: scriptedModel([
        { text: 'one', usage },
        { text: 'two', usage },
      ]),
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'hi', { runId: 'done-1' })
    const log = await storage.runs.readEvents('done-1')
    const error = await runtime.run(agent, 'hi', { runId: 'done-1' }).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toBe(
      'A run with id "done-1" already exists (status completed, agent "again"). Continue it with runtime.resume("done-1"), or start a new run with another runId.',
    )
    expect(await storage.runs.readEvents('done-1')).toEqual(log)
    expect((await storage.runs.get('done-1'))?.status).toBe('completed')
  })

  it('a failed save leaves the run stored as failed (resumable), never wedged in running', async () => {
    const base = createMemoryStorage()
    let failures = 1
    const storage: Storage = {
      ...base,
      runs: {
        ...base.runs,
        save: (input) => {
          if ((input.snapshot as unknown as Snapshot).status === 'running' && input.expectedRevision === 1) {
            if (failures-- > 0) return Promise.reject(new Error('connection reset'))
          }
          return base.runs.save(input)
        },
      },
    }
    const { executions, make } = recorder()
    const agent = new Agent({ name: 'flaky', model: callThenAnswer('lookup'), tools: [make('lookup')] })
    const runtime = new Runtime({ storage, agents: [agent] })
    await expect(runtime.run(agent, 'go', { runId: 'r' })).rejects.toThrow('connection reset')
    const stored = await base.runs.load('r')
    expect(stored?.record.status).toBe('failed')
    expect(stored?.snapshot).toMatchObject({ error: { message: 'connection reset' } })
    const events = await base.runs.readEvents('r')
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'failed' })
    expect(await runtime.resume('r')).toMatchObject({ status: 'completed', output: 'done: lookup(1)' })
    expect(executions).toEqual(['lookup r:call_0'])
  })

  it('does not run the tool calls an input ends with, unless executeInputToolCalls allows it', async () => {
    const { executions, make } = recorder()
    const input = [
      { role: 'user' as const, content: 'refund me' },
      {
        role: 'assistant' as const,
        content: [{ type: 'tool-call' as const, callId: 'c1', name: 'refund', arguments: '{"x":9}' }],
      },
    ]
    const agent = new Agent({
      name: 'input',
      model: scriptedModel([{ text: 'refunded', usage }]),
      tools: [make('refund')],
    })
    const runtime = new Runtime()
    await expect(runtime.run(agent, input)).rejects.toThrow(
      /run input ends with an assistant message whose tool calls have no results \(refund "c1"\).*executeInputToolCalls: true/,
    )
    expect(executions).toEqual([])
    const result = await runtime.run(agent, input, { executeInputToolCalls: true })
    expect(result.output).toBe('refunded')
    expect(executions).toHaveLength(1)
  })
})
