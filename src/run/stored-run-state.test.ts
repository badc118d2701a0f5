import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import type { RunState } from './run-state.js'
import { Runtime } from './runtime.js'
import { TAIL_BYTES } from './stored-run-state.js'

const usage = { inputTokens: 1, outputTokens: 1 }

/** Records every save's snapshot and part sizes. */
function recording(storage: Storage) {
  const saves: { snapshotBytes: number; part?: { messages: unknown[]; items: unknown[] } }[] = []
  const runs = {
    ...storage.runs,
    save: (input: Parameters<Storage['runs']['save']>[0]) => {
      saves.push({
        snapshotBytes: JSON.stringify(input.snapshot).length,
        ...(input.part === undefined ? {} : { part: input.part as never }),
      })
      return storage.runs.save(input)
    },
  }
  return { storage: { ...storage, runs } as Storage, saves }
}

/** The messages of a stored checkpoint's tail (format 3). */
function tailOf(checkpoint: { snapshot: unknown } | null): unknown[] {
  return (checkpoint?.snapshot as { messages?: unknown[] } | undefined)?.messages ?? []
}

describe('stored run state (format 3)', () => {
  it('writes a message to a part once the tail passes TAIL_BYTES; the snapshot stays small', async () => {
    const base = createMemoryStorage()
    const { storage, saves } = recording(base)
    const long = 'x'.repeat(2_000)
    const agent = new Agent({
      name: 'long',
      model: scriptedModel([
        { text: 'ok', usage },
        { text: 'ok', usage },
        { text: 'ok', usage },
      ]),
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    for (const runId of ['a', 'b', 'c']) await runtime.run(agent, long, { runId, session: 's' })
    // Each run's long input goes to a part at its claim; its short answer stays in the snapshot's
    // tail. The session's history is not copied.
    const messagesWritten = saves.flatMap((save) => save.part?.messages ?? [])
    expect(messagesWritten).toEqual([1, 2, 3].map(() => ({ role: 'user', content: long })))
    for (const save of saves) expect(save.snapshotBytes).toBeLessThan(1_000 + TAIL_BYTES)
    const loaded = await base.runs.load('c')
    expect(loaded?.snapshot).toMatchObject({ version: 3, messageCount: 6, itemCount: 1, status: 'completed' })
    expect(loaded?.snapshot).toMatchObject({ messages: [{ role: 'assistant' }] })
    expect(loaded?.parts).toHaveLength(1)
    // A completed run resumes to its stored result, rebuilt from the parts and the tail.
    const again = await runtime.resume('c')
    expect(again.messages).toHaveLength(6)
    expect(again.output).toBe('ok')
  })

  it('keeps small messages in the tail (no part), and a resumed run appends after them', async () => {
    const base = createMemoryStorage()
    const { storage, saves } = recording(base)
    const charge = tool({
      name: 'charge',
      description: 'Charge the card',
      parameters: z.object({ amount: z.number() }),
      needsApproval: true,
      execute: ({ amount }) => `charged ${amount} ${'.'.repeat(2 * TAIL_BYTES)}`,
    })
    const agent = new Agent({
      name: 'shop',
      tools: [charge],
      model: scriptedModel([
        { toolCalls: [{ name: 'charge', arguments: { amount: 5 } }], usage },
        { text: 'paid', usage },
      ]),
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    const paused = await runtime.run(agent, 'pay', { runId: 'p' })
    expect(paused.status).toBe('awaiting_approval')
    // Small messages only so far: every save kept them in its snapshot, none wrote a part.
    expect(saves.every((save) => save.part === undefined)).toBe(true)
    const stored = await base.runs.load('p')
    expect(stored?.parts).toEqual([])
    expect(stored?.snapshot).toMatchObject({ version: 3, messageCount: 2, messages: [{}, {}] })

    // Another process continues it: the long tool result pushes the tail into one part, holding
    // each message once, in order.
    const other = new Runtime({ storage, agents: [agent] })
    const result = await other.resume('p', {
      approvals: [{ callId: paused.interruptions[0]?.callId ?? '', approve: true }],
    })
    expect(result).toMatchObject({ status: 'completed', output: 'paid' })
    const written = saves.flatMap((save) => (save.part?.messages ?? []) as { role: string }[])
    expect(written.map((message) => message.role).slice(0, 3)).toEqual(['user', 'assistant', 'tool'])
    expect(written).toEqual(result.messages.slice(0, written.length))
    const loaded = await base.runs.load('p')
    const rebuilt = [
      ...(loaded?.parts ?? []).flatMap((part) => part.messages as unknown[]),
      ...tailOf(loaded),
    ]
    expect(rebuilt).toEqual(result.messages)
    expect((await other.resume('p')).messages).toEqual(result.messages)
  })

  it('refuses a format 3 snapshot whose tail is not a list, changing nothing', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'broken', model: scriptedModel([{ text: 'a', usage }]) })
    await storage.runs.save({
      runId: 'y',
      agentName: 'broken',
      status: 'failed',
      expectedRevision: null,
      snapshot: {
        version: 3,
        runId: 'y',
        agentName: 'broken',
        status: 'failed',
        turn: 0,
        inputLength: 1,
        usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
        toolChoice: 'auto',
        outputRetries: 0,
        messageCount: 1,
        itemCount: 0,
        messages: 'q',
        items: [],
      },
    })
    await expect(new Runtime({ storage, agents: [agent] }).resume('y')).rejects.toThrow(
      /the stored checkpoint of run "y" is not a valid run state \(messages: .*It was not changed\./,
    )
    expect((await storage.runs.get('y'))?.revision).toBe(1)
  })

  it('loads a session run stored before runs referred to the history (its parts hold it)', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'older', model: scriptedModel([{ text: 'answer', usage }]) })
    await storage.sessions.append('s', [
      { role: 'user', content: 'earlier' },
      { role: 'assistant', content: 'reply' },
    ])
    const history = await storage.sessions.messages('s')
    await storage.runs.save({
      runId: 'older',
      agentName: 'older',
      status: 'failed',
      snapshot: {
        version: 2,
        runId: 'older',
        agentName: 'older',
        status: 'failed',
        turn: 0,
        inputLength: 3,
        usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
        toolChoice: 'auto',
        outputRetries: 0,
        error: { name: 'ModelError', message: 'down' },
        session: { id: 's', historyLength: 2 },
        messageCount: 3,
        itemCount: 0,
      },
      part: { messages: [...history, { role: 'user', content: 'question' }], items: [] } as never,
      expectedRevision: null,
    })
    const result = await new Runtime({ storage, agents: [agent] }).resume('older')
    expect(result).toMatchObject({ status: 'completed', output: 'answer' })
    expect(result.messages).toHaveLength(4)
    expect(result.messages.slice(0, 3).map((message) => message.content)).toEqual([
      'earlier',
      'reply',
      'question',
    ])
    // Continued in format 3: the format 2 parts, then the new answer in the tail, nothing twice.
    const loaded = await storage.runs.load('older')
    expect(loaded?.snapshot).toMatchObject({ version: 3, messageCount: 4 })
    expect([
      ...(loaded?.parts ?? []).flatMap((part) => part.messages as unknown[]),
      ...tailOf(loaded),
    ]).toEqual(result.messages)
    expect((await new Runtime({ storage, agents: [agent] }).resume('older')).messages).toEqual(
      result.messages,
    )
  })

  it('resumes a run stored in format 1 (the whole state in the snapshot) and continues in format 3', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'old', model: scriptedModel([{ text: 'answer', usage }]) })
    const state: RunState = {
      version: 1,
      runId: 'v1',
      agentName: 'old',
      status: 'failed',
      turn: 0,
      messages: [{ role: 'user', content: 'question' }],
      inputLength: 1,
      items: [],
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
      toolChoice: 'auto',
      outputRetries: 0,
      error: { name: 'ModelError', message: 'down' },
    }
    await storage.runs.save({ runId: 'v1', agentName: 'old', status: 'failed', snapshot: state })
    const result = await new Runtime({ storage, agents: [agent] }).resume('v1')
    expect(result).toMatchObject({ status: 'completed', output: 'answer' })
    expect(result.messages).toHaveLength(2)
    const loaded = await storage.runs.load('v1')
    expect(loaded?.snapshot).toMatchObject({ version: 3, messageCount: 2 })
    // The first format 3 save wrote every message (here in its tail: they are small).
    const tail = tailOf(loaded)
    expect([...(loaded?.parts ?? []).flatMap((part) => part.messages as unknown[]), ...tail]).toEqual(
      result.messages,
    )
  })

  it('refuses parts whose messages do not add up to the stored count, changing nothing', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'broken', model: scriptedModel([{ text: 'a', usage }]) })
    await storage.runs.save({
      runId: 'x',
      agentName: 'broken',
      status: 'failed',
      expectedRevision: null,
      snapshot: {
        version: 2,
        runId: 'x',
        agentName: 'broken',
        status: 'failed',
        turn: 0,
        inputLength: 1,
        usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
        toolChoice: 'auto',
        outputRetries: 0,
        messageCount: 3,
        itemCount: 0,
      },
      part: { messages: [{ role: 'user', content: 'q' }], items: [] },
    })
    await expect(new Runtime({ storage, agents: [agent] }).resume('x')).rejects.toThrow(
      /the stored checkpoint of run "x" is not a valid run state \(messages: .*It was not changed\./,
    )
  })

  it('prunes the checkpoint of a finished run, keeping its record and event log', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'prune', model: scriptedModel([{ text: 'done', usage }]) })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'go', { runId: 'p' })
    const events = await storage.runs.readEvents('p')
    expect(await storage.runs.pruneCheckpoint('p')).toBe(true)
    expect(await storage.runs.pruneCheckpoint('p')).toBe(false)
    expect(await storage.runs.load('p')).toBeNull()
    expect((await storage.runs.get('p'))?.status).toBe('completed')
    expect(await storage.runs.readEvents('p')).toEqual(events)
    await expect(runtime.resume('p')).rejects.toThrow(/has no checkpoint any more \(it was pruned\)/)
    await storage.runs.save({
      runId: 'w',
      agentName: 'prune',
      status: 'awaiting_approval',
      snapshot: { version: 2 },
    })
    await expect(storage.runs.pruneCheckpoint('w')).rejects.toThrow(/is awaiting_approval; only a completed/)
  })

  it('compacts a finished session run: its events read back identical, its session untouched', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'compact', model: scriptedModel([{ text: 'done', usage }]) })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'go', { runId: 'c', session: 's' })
    const events = await storage.runs.readEvents('c')
    const messages = await storage.sessions.messages('s')
    expect(await storage.runs.compact('c')).toBe(true)
    expect(await storage.runs.compact('c')).toBe(false)
    expect(await storage.runs.readEvents('c')).toEqual(events)
    expect(await storage.runs.readEvents('c', { afterSeq: 3 })).toEqual(events.slice(3))
    expect(await storage.runs.lastEventSeq('c')).toBe(events.length)
    expect(await storage.sessions.messages('s')).toEqual(messages)
    expect(await storage.runs.load('c')).toBeNull()
    await expect(runtime.resume('c')).rejects.toThrow(/has no checkpoint any more \(it was pruned\)/)
  })
})
