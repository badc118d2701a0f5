import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { handoff } from '../agent/handoff.js'
import { ConfigError } from '../errors/errors.js'
import type { Message } from '../messages/message.js'
import type { ModelRequest } from '../model/model-request.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import { collectEvents, eventsOfType } from '../testing/collect-events.js'
import { type ScriptedTurnSpec, scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { run } from './run.js'
import { Runtime } from './runtime.js'

const usage = { inputTokens: 3, outputTokens: 2 }

/** A model deciding from the request alone (so a resumed run gets the same answers). */
function statelessModel(decide: (request: ModelRequest) => ScriptedTurnSpec) {
  return scriptedModel(Array.from({ length: 20 }, () => decide))
}

const hasResult = (request: ModelRequest, name: string) =>
  request.messages.some((message) => message.role === 'tool' && message.toolName === name)

function specialists() {
  const billingModel = statelessModel(() => ({ text: 'Your invoice is paid.', usage }))
  const refundsModel = statelessModel(() => ({ text: '{"refunded":true,"amount":40}', usage }))
  const billing = new Agent({
    name: 'billing',
    instructions: 'You answer billing questions.',
    handoffDescription: 'Invoices and payments.',
    model: billingModel,
  })
  const refunds = new Agent({
    name: 'Refund Desk',
    instructions: 'You process refunds.',
    model: refundsModel,
    output: z.object({ refunded: z.boolean(), amount: z.number() }),
  })
  return { billing, refunds, billingModel, refundsModel }
}

describe('handoffs', () => {
  it('shows a transfer tool per handoff and continues the run with the agent the model picks', async () => {
    const { billing, refunds, billingModel } = specialists()
    const triageModel = statelessModel(() => ({
      toolCalls: [{ name: 'transfer_to_billing', callId: 'h1' }],
      usage,
    }))
    const triage = new Agent({
      name: 'triage',
      instructions: 'Route the user.',
      model: triageModel,
      handoffs: [billing, handoff(refunds, { description: 'Refunds of any order.' })],
    })
    const result = await run(triage, 'Is my invoice paid?')

    expect(triageModel.requests[0]?.tools).toEqual([
      expect.objectContaining({ name: 'transfer_to_billing', description: 'Invoices and payments.' }),
      expect.objectContaining({ name: 'transfer_to_refund_desk', description: 'Refunds of any order.' }),
    ])
    expect(result).toMatchObject({
      status: 'completed',
      output: 'Your invoice is paid.',
      lastAgent: 'billing',
    })
    expect(triageModel.requests).toHaveLength(1)
    const [billingRequest] = billingModel.requests
    expect(billingRequest?.instructions).toBe('You answer billing questions.')
    expect(billingRequest?.tools).toEqual([])
    // The conversation is carried over: the user's message, the transfer call and its result.
    expect(billingRequest?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool'])
    expect(billingRequest?.messages[2]).toMatchObject({ toolName: 'transfer_to_billing', callId: 'h1' })
    expect(result.usage.modelCalls).toBe(2)
  })

  it('gives the next agent its own context-computed instructions and hooks; handoff calls skip tool hooks', async () => {
    const seenByHooks: string[] = []
    const billingModel = statelessModel(() => ({ text: 'ok', usage }))
    const billing = new Agent<{ plan: string }>({
      name: 'billing',
      instructions: ({ context }) => `Customer on the ${context.plan} plan.`,
      model: billingModel,
      hooks: { beforeModel: ({ agentName }) => void seenByHooks.push(`billing hook: ${agentName}`) },
    })
    const triage = new Agent<{ plan: string }>({
      name: 'triage',
      model: statelessModel(() => ({ toolCalls: [{ name: 'transfer_to_billing' }], usage })),
      handoffs: [billing],
      hooks: {
        beforeModel: ({ agentName }) => void seenByHooks.push(`triage hook: ${agentName}`),
        beforeTool: ({ toolName }) => void seenByHooks.push(`tool hook: ${toolName}`),
      },
    })
    await run(triage, 'hi', { context: { plan: 'gold' } })
    expect(billingModel.requests[0]?.instructions).toBe('Customer on the gold plan.')
    expect(seenByHooks).toEqual(['triage hook: triage', 'billing hook: billing'])
  })

  it("validates the final output against the answering agent's output schema", async () => {
    const { billing, refunds } = specialists()
    const triage = new Agent({
      name: 'triage',
      model: statelessModel(() => ({ toolCalls: [{ name: 'transfer_to_refund_desk' }], usage })),
      handoffs: [billing, refunds],
    })
    const result = await run(triage, 'Refund order 7')
    expect(result).toMatchObject({ output: { refunded: true, amount: 40 }, lastAgent: 'Refund Desk' })
  })

  it('takes only the first handoff of a turn; the others get an error result, other tools still run', async () => {
    const { billing, refunds, billingModel } = specialists()
    const looked: string[] = []
    const lookup = tool({
      name: 'lookup',
      description: 'Look up an order',
      parameters: z.object({ id: z.string() }),
      execute: ({ id }) => {
        looked.push(id)
        return `order ${id}: open`
      },
    })
    const triage = new Agent({
      name: 'triage',
      model: statelessModel(() => ({
        toolCalls: [
          { name: 'lookup', arguments: { id: '7' }, callId: 'a' },
          { name: 'transfer_to_billing', callId: 'b' },
          { name: 'transfer_to_refund_desk', callId: 'c' },
        ],
        usage,
      })),
      tools: [lookup],
      handoffs: [billing, refunds],
    })
    const events = stream(triage, 'help')
    const seen = await collectEvents(events)
    const result = await events.result
    expect(result.lastAgent).toBe('billing')
    expect(looked).toEqual(['7'])
    const results = billingModel.requests[0]?.messages.filter((message) => message.role === 'tool')
    expect(results).toEqual([
      { role: 'tool', callId: 'a', toolName: 'lookup', content: 'order 7: open' },
      expect.objectContaining({
        callId: 'b',
        content: expect.stringContaining('Transferred to agent "billing"'),
      }),
      expect.objectContaining({
        callId: 'c',
        isError: true,
        content: expect.stringContaining('only the first handoff of a turn is taken'),
      }),
    ])
    expect(eventsOfType(seen, 'agent.handoff')).toEqual([
      expect.objectContaining({ from: 'triage', to: 'billing', callId: 'b', turn: 1 }),
    ])
    expect(eventsOfType(seen, 'tool.end').map((event) => [event.callId, event.isError])).toEqual([
      ['b', false],
      ['c', true],
      ['a', false],
    ])
  })

  it("applies an input filter to what the next agent sees, without changing the run's history", async () => {
    const { billing, billingModel } = specialists()
    const onlyUserMessages = ({ messages }: { messages: Message[] }) =>
      messages.filter((message) => message.role === 'user')
    const triage = new Agent({
      name: 'triage',
      model: statelessModel(() => ({
        text: 'Let me route you.',
        toolCalls: [{ name: 'transfer_to_billing' }],
        usage,
      })),
      handoffs: [handoff(billing, { inputFilter: onlyUserMessages })],
    })
    const result = await run(triage, [
      { role: 'system', content: 'secret routing notes' },
      { role: 'user', content: 'Is my invoice paid?' },
    ])
    expect(billingModel.requests[0]?.messages).toEqual([{ role: 'user', content: 'Is my invoice paid?' }])
    expect(result.messages).toHaveLength(5)
  })

  it('rejects bad handoff configurations with errors naming the field', () => {
    const { billing } = specialists()
    const model = scriptedModel([])
    const make = (options: Record<string, unknown>) => () =>
      new Agent({ name: 'triage', model, ...(options as object) })
    expect(make({ handoffs: billing })).toThrow(/triage": handoffs must be an array/)
    expect(make({ handoffs: [{ name: 'x' }] })).toThrow(/handoffs\[0\] is not an agent/)
    expect(make({ handoffs: [billing, handoff(billing)] })).toThrow(
      /handoffs\[1\] has the tool name "transfer_to_billing", already used by handoffs\[0\]/,
    )
    const clash = tool({ name: 'transfer_to_billing', description: '', parameters: [], execute: () => 1 })
    expect(make({ tools: [clash], handoffs: [billing] })).toThrow(/already used by one of its tools/)
    expect(() => new Agent({ name: 'billing', model, handoffs: [billing] })).toThrow(
      /cannot hand off to itself/,
    )
    expect(make({ handoff: [billing] })).toThrow(/unknown option "handoff". Did you mean "handoffs"\?/)
    expect(() => handoff(billing, { tool: 'x' } as never)).toThrow(/unknown option "tool"/)
    expect(() => handoff(billing, { toolName: 'transfer to' })).toThrow(/not 1-64 letters/)
    expect(() => handoff(new Agent({ name: '日本', model }))).toThrow(/the agent name has none/)
    expect(make({ handoffDescription: 5 })).toThrow(ConfigError)
    expect(make({ toolChoice: { name: 'transfer_to_nobody' }, handoffs: [billing] })).toThrow(
      /toolChoice names "transfer_to_nobody", which is not one of its tools or handoffs \(transfer_to_billing\)/,
    )
  })

  it('checks the whole handoff graph when a run starts: names must be distinct, functions must return agents', async () => {
    const { billing } = specialists()
    const model = scriptedModel([])
    const otherBilling = new Agent({ name: 'billing', model })
    const refunds = new Agent({ name: 'refunds', model, handoffs: [otherBilling] })
    const triage = new Agent({ name: 'triage', model, handoffs: [billing, refunds] })
    await expect(run(triage, 'hi')).rejects.toThrow(
      /handoffs reach two different agents named "billing" \(through agent "refunds"\)/,
    )
    const lazy = new Agent({ name: 'lazy', model, handoffs: [() => 'billing' as never] })
    expect(() => lazy.handoffs).toThrow(
      /handoffs\[0\] is not an agent \(its function returned the string "billing"\)/,
    )
    expect(model.requests).toHaveLength(0)
  })

  it('hands back through a function entry: triage -> billing -> triage, in one run', async () => {
    const billingModel = statelessModel(() => ({
      toolCalls: [{ name: 'transfer_to_triage', callId: 'back' }],
      usage,
    }))
    // billing is created first; its handoff to triage is resolved on first use.
    const billing = new Agent({ name: 'billing', model: billingModel, handoffs: [() => triage] })
    const triageModel = statelessModel((request) =>
      hasResult(request, 'transfer_to_triage')
        ? { text: 'Back at triage.', usage }
        : { toolCalls: [{ name: 'transfer_to_billing', callId: 'go' }], usage },
    )
    const triage: Agent = new Agent({ name: 'triage', model: triageModel, handoffs: [billing] })
    const storage = createMemoryStorage()
    const events = new Runtime({ storage, agents: [triage] }).stream(triage, 'hi', { runId: 'loop' })
    const seen = await collectEvents(events)
    const result = await events.result
    expect(result).toMatchObject({ output: 'Back at triage.', lastAgent: 'triage' })
    expect(eventsOfType(seen, 'agent.handoff').map((event) => `${event.from}->${event.to}`)).toEqual([
      'triage->billing',
      'billing->triage',
    ])
    expect(billingModel.requests[0]?.tools?.map((entry) => entry.name)).toEqual(['transfer_to_triage'])
    const stored = (await storage.runs.load('loop'))?.snapshot as {
      activeAgent?: string
      handoffs?: unknown[]
    }
    expect(stored).toMatchObject({
      activeAgent: 'triage',
      handoffs: [{ from: 'triage' }, { from: 'billing' }],
    })
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

describe('durable handoffs', () => {
  function durableSetup() {
    const { billing, billingModel } = specialists()
    const triageModel = statelessModel((request) =>
      hasResult(request, 'transfer_to_billing')
        ? { text: 'unexpected', usage }
        : { toolCalls: [{ name: 'transfer_to_billing', callId: 'h1' }], usage },
    )
    const triage = new Agent({
      name: 'triage',
      model: triageModel,
      handoffs: [
        handoff(billing, { inputFilter: ({ messages }) => messages.filter((m) => m.role === 'user') }),
      ],
    })
    return { triage, triageModel, billingModel }
  }

  for (const point of ['before the handoff save', 'after the handoff save']) {
    it(`a crash ${point} resumes with the new agent, without calling the first one again`, async () => {
      const base = createMemoryStorage()
      const { triage, triageModel, billingModel } = durableSetup()
      // "after": the save after the handoff's (billing's answer) fails.
      let handoffSaved = false
      const storage = crashingStorage(base, ({ reason }) => {
        if (point.startsWith('before')) return reason === 'handoff'
        if (handoffSaved) return true
        handoffSaved = reason === 'handoff'
        return false
      })
      await expect(
        new Runtime({ storage, agents: [triage] }).run(triage, 'Paid?', { runId: 'r' }),
      ).rejects.toThrow('process died')
      const stored = (await base.runs.load('r'))?.snapshot as { activeAgent?: string } | undefined
      expect(stored?.activeAgent).toBe(point.startsWith('before') ? undefined : 'billing')
      const callsBefore = triageModel.requests.length
      // Only the entry agent is registered: billing is found through triage's handoffs.
      const result = await new Runtime({ storage: base, agents: [triage] }).resume('r')
      expect(result).toMatchObject({
        status: 'completed',
        output: 'Your invoice is paid.',
        lastAgent: 'billing',
      })
      expect(triageModel.requests).toHaveLength(callsBefore)
      // The input filter applies again after the resume.
      expect(billingModel.requests.at(-1)?.messages).toEqual([{ role: 'user', content: 'Paid?' }])
      const events = await base.runs.readEvents('r')
      expect(eventsOfType(events, 'agent.handoff')).toHaveLength(1)
      const handoffSave = events.findIndex(
        (event) => event.type === 'checkpoint.save' && event.reason === 'handoff',
      )
      expect(handoffSave).toBeGreaterThan(events.findIndex((event) => event.type === 'agent.handoff'))
    })
  }

  it('a handoff in the same turn as a call awaiting approval is taken once the decision is made', async () => {
    const storage = createMemoryStorage()
    const { billing, billingModel } = specialists()
    const refunded: string[] = []
    const refund = tool({
      name: 'refund',
      description: 'Refund',
      parameters: z.object({ amount: z.number() }),
      needsApproval: true,
      execute: ({ amount }) => {
        refunded.push(String(amount))
        return `refunded ${amount}`
      },
    })
    const triage = new Agent({
      name: 'triage',
      model: statelessModel(() => ({
        toolCalls: [
          { name: 'refund', arguments: { amount: 9 }, callId: 'r' },
          { name: 'transfer_to_billing', callId: 'h' },
        ],
        usage,
      })),
      tools: [refund],
      handoffs: [billing],
    })
    const runtime = new Runtime({ storage, agents: [triage] })
    const paused = await runtime.run(triage, 'refund and bill', { runId: 'p' })
    expect(paused).toMatchObject({ status: 'awaiting_approval', lastAgent: 'triage' })
    expect(billingModel.requests).toHaveLength(0)
    const done = await runtime.resume('p', { approvals: [{ callId: 'r', approve: true }] })
    expect(done).toMatchObject({ status: 'completed', output: 'Your invoice is paid.', lastAgent: 'billing' })
    expect(refunded).toEqual(['9'])
    expect(billingModel.requests[0]?.messages.filter((message) => message.role === 'tool')).toHaveLength(2)
  })

  it('a resumed run whose active agent cannot be found fails with a ConfigError naming it', async () => {
    const storage = createMemoryStorage()
    const { triage } = durableSetup()
    await new Runtime({ storage, agents: [triage] })
      .run(triage, 'Paid?', {
        runId: 'r',
        maxTurns: 1,
      })
      .catch(() => undefined)
    const lonelyTriage = new Agent({ name: 'triage', model: scriptedModel([]) })
    await expect(new Runtime({ storage, agents: [lonelyTriage] }).resume('r')).rejects.toThrow(
      /handed off to agent "billing", which agent "triage" does not reach through its handoffs/,
    )
  })
})

function stream(agent: Agent<unknown, unknown>, input: string) {
  return new Runtime().stream(agent, input)
}
