import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  crashingStorage,
  hasResult,
  specialists,
  statelessModel,
  usage,
} from '../../test/support/multi-agent-fixtures.js'
import { Agent } from '../agent/agent.js'
import { handoff } from '../agent/handoff.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { eventsOfType } from '../testing/collect-events.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { Runtime } from './runtime.js'

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
