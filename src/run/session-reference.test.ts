import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { estimateTokenizer } from '../context/estimate-tokenizer.js'
import { ConfigError } from '../errors/errors.js'
import type { Message } from '../messages/message.js'
import type { ModelRequest } from '../model/model-request.js'
import type { Tokenizer } from '../model/tokenizer.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { type ScriptedTurnSpec, scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { Runtime } from './runtime.js'

const usage = { inputTokens: 1, outputTokens: 1 }

/** A model that answers every request with how many messages it saw. */
function counting() {
  return scriptedModel(
    Array.from(
      { length: 50 },
      () =>
        (request: ModelRequest): ScriptedTurnSpec => ({ text: `saw ${request.messages.length}`, usage }),
    ),
  )
}

describe('runs of a session refer to its history', () => {
  it('store the new messages only, log only the new input, and rebuild the history when loaded', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'chat', model: counting() })
    const runtime = new Runtime({ storage, agents: [agent] })
    for (let n = 1; n <= 5; n++) await runtime.run(agent, `question ${n}`, { session: 's', runId: `r${n}` })
    expect(await storage.sessions.messages('s')).toHaveLength(10)

    const last = await storage.runs.load('r5')
    const stored = last?.snapshot as { session?: { historyLength: number; headId?: string | null } }
    const entries = await storage.sessions.entries('s')
    expect(stored.session).toEqual({ id: 's', historyLength: 8, headId: entries[7]?.id })
    // The parts and the snapshot's tail hold the run's own two messages, not the 8 before them.
    const parts = (last?.parts ?? []) as unknown as { messages: Message[] }[]
    const tail = (last?.snapshot as { messages?: Message[] } | undefined)?.messages ?? []
    expect([...parts.flatMap((part) => part.messages), ...tail]).toEqual([
      { role: 'user', content: 'question 5' },
      expect.objectContaining({ role: 'assistant' }),
    ])
    const [start] = await storage.runs.readEvents('r5', { limit: 1 })
    expect(start).toMatchObject({ type: 'run.start', input: [{ role: 'user', content: 'question 5' }] })
    // Stored bytes of run 5 do not grow with the session: the same as run 2's.
    const size = async (runId: string) => JSON.stringify(await storage.runs.load(runId)).length
    expect(Math.abs((await size('r5')) - (await size('r2')))).toBeLessThan(40)
  })

  it('resumes a paused run of a session with its history read back from the session', async () => {
    const storage = createMemoryStorage()
    const charge = tool({
      name: 'charge',
      description: 'Charge the card',
      parameters: z.object({ amount: z.number() }),
      needsApproval: true,
      execute: ({ amount }) => `charged ${amount}`,
    })
    const seen: number[] = []
    const model = scriptedModel(
      Array.from({ length: 10 }, () => (request: ModelRequest): ScriptedTurnSpec => {
        seen.push(request.messages.length)
        const last = request.messages.at(-1)
        if (last?.role === 'user' && last.content === 'pay')
          return { toolCalls: [{ name: 'charge', arguments: { amount: 5 } }], usage }
        return { text: 'done', usage }
      }),
    )
    const agent = new Agent({ name: 'shop', model, tools: [charge] })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'hello', { session: 'cart' })
    const paused = await runtime.run(agent, 'pay', { session: 'cart', runId: 'pay' })
    expect(paused.status).toBe('awaiting_approval')

    // another process resumes it: the history comes from the session, not from the run's parts
    const other = new Runtime({ storage, agents: [agent] })
    const result = await other.resume('pay', {
      approvals: [{ callId: paused.interruptions[0]?.callId ?? '', approve: true }],
    })
    expect(result.status).toBe('completed')
    // the resumed model call saw the session's 2 messages, the input, the call and its result
    expect(seen.at(-1)).toBe(5)
    const messages = await storage.sessions.messages('cart')
    expect(messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'tool',
      'assistant',
    ])
  })

  it('fails to resume, naming the run and the session, when the session is gone', async () => {
    const storage = createMemoryStorage()
    const charge = tool({
      name: 'charge',
      description: 'Charge the card',
      parameters: z.object({}),
      needsApproval: true,
      execute: () => 'charged',
    })
    const model = scriptedModel([
      { text: 'hi', usage },
      { toolCalls: [{ name: 'charge', arguments: {} }], usage },
    ])
    const agent = new Agent({ name: 'shop', model, tools: [charge] })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'hello', { session: 'gone' })
    const paused = await runtime.run(agent, 'pay', { session: 'gone', runId: 'p' })
    expect(paused.status).toBe('awaiting_approval')
    await storage.sessions.delete('gone')
    const error = await runtime.resume('p').catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(/run "p" continues session "gone".*deleted or changed/)
  })

  it('does not count the session history again in the next run of the same process', async () => {
    const counted: string[] = []
    const tokenizer: Tokenizer = {
      name: 'spy',
      exact: false,
      count: (text) => {
        counted.push(text)
        return estimateTokenizer.count(text)
      },
    }
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'chat', model: counting(), context: { tokenizer } })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'first question', { session: 's' })
    await runtime.run(agent, 'second question', { session: 's' })
    counted.length = 0
    await runtime.run(agent, 'third question', { session: 's' })
    // The first run's messages, read back from the session by runs 2 and 3, are not counted
    // again; run 2's own messages are counted once more (they get their ids when appended).
    expect(counted).not.toContain('first question')
    expect(counted).not.toContain('saw 1')
    expect(counted).toEqual(['second question', 'saw 3', 'third question'])
  })

  it('reads a path by its head message (sessions.messages with headId)', async () => {
    const storage = createMemoryStorage()
    const entries = await storage.sessions.append('t', [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c' },
    ])
    await storage.sessions.edit('t', entries[2]?.id ?? '', { role: 'user', content: 'c2' })
    expect(await storage.sessions.messages('t', { headId: entries[2]?.id ?? '' })).toEqual([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c' },
    ])
    await expect(storage.sessions.messages('t', { headId: 'nope' })).rejects.toThrow(/no message "nope"/)
    await expect(storage.sessions.messages('t', { headId: 'x', branchId: 'main' })).rejects.toThrow(
      /give branchId or headId, not both/,
    )
  })
})
