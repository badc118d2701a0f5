import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import type { Message } from '../messages/message.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { run } from './run.js'
import { Runtime } from './runtime.js'

describe('result.input', () => {
  it('is a string input as one user message, alongside the whole conversation in messages', async () => {
    const agent = new Agent({ name: 'a', model: scriptedModel([{ text: 'Hi!' }]) })
    const result = await run(agent, 'Hello')
    expect(result.input).toEqual([{ role: 'user', content: 'Hello' }])
    expect(result.messages.slice(0, 1)).toEqual(result.input)
    expect(result.messages).toHaveLength(2)
  })

  it('is the messages given, and a copy that later turns do not change', async () => {
    const input: Message[] = [
      { role: 'user', content: 'What is 2 + 3?' },
      { role: 'assistant', content: [{ type: 'text', text: '5' }] },
      { role: 'user', content: 'And 4 + 5?' },
    ]
    const add = tool({
      name: 'add',
      description: 'Add',
      parameters: z.object({ a: z.number(), b: z.number() }),
      execute: ({ a, b }) => a + b,
    })
    const model = scriptedModel([{ toolCalls: [{ name: 'add', arguments: { a: 4, b: 5 } }] }, { text: '9' }])
    const result = await run(new Agent({ name: 'a', model, tools: [add] }), input)
    expect(result.input).toEqual(input)
    expect(result.messages).toHaveLength(input.length + 3)
    result.messages.push({ role: 'user', content: 'later' })
    expect(result.input).toHaveLength(3)
  })

  it("is this run's input without the session history, also when read back after a pause and a resume", async () => {
    const storage = createMemoryStorage()
    const refund = tool({
      name: 'refund',
      description: 'Refund',
      parameters: z.object({ amount: z.number() }),
      needsApproval: true,
      execute: ({ amount }) => `refunded ${amount}`,
    })
    const model = scriptedModel([
      { text: 'Hello, how can I help?' },
      { toolCalls: [{ name: 'refund', arguments: { amount: 5 } }] },
      { text: 'Refunded.' },
    ])
    const agent = new Agent({ name: 'support', model, tools: [refund] })
    const runtime = new Runtime({ storage, agents: [agent] })
    await runtime.run(agent, 'Hi', { session: 's' })

    const paused = await runtime.run(agent, 'Refund 5, please', { session: 's', runId: 'r2' })
    expect(paused.status).toBe('awaiting_approval')
    expect(paused.input).toEqual([{ role: 'user', content: 'Refund 5, please' }])
    expect(paused.messages.slice(0, 2)).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello, how can I help?' }] },
    ])

    const resumed = await new Runtime({ storage, agents: [agent] }).resume('r2', {
      approvals: [{ callId: 'call_2_0', approve: true }],
    })
    expect(resumed.status).toBe('completed')
    expect(resumed.input).toEqual([{ role: 'user', content: 'Refund 5, please' }])
    // A completed run read back again has the same input.
    expect((await runtime.resume('r2')).input).toEqual(resumed.input)
  })
})
