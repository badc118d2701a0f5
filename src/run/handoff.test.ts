import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { hasResult, specialists, statelessModel, usage } from '../../test/support/multi-agent-fixtures.js'
import { Agent } from '../agent/agent.js'
import { handoff } from '../agent/handoff.js'
import { ConfigError } from '../errors/errors.js'
import type { Message } from '../messages/message.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { collectEvents, eventsOfType } from '../testing/collect-events.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { run } from './run.js'
import { Runtime } from './runtime.js'

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

function stream(agent: Agent<unknown, unknown>, input: string) {
  return new Runtime().stream(agent, input)
}
