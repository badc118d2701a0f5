/**
 * A triage agent that hands the conversation off to one of two specialists: billing (which asks a
 * policy agent, called as a tool, before answering) and refunds (which issues refunds with a tool).
 * The run is durable (SQLite): the checkpoint records which agent answers.
 *
 * Run: npx tsx examples/triage.ts   (uses scripted models; no API key needed)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, handoff, type Message, type ModelRequest, Runtime, tool } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import { scriptedModel } from 'agentloop/testing'
import { z } from 'zod'

/** A scripted model that decides from the request alone, like a real one. */
const decides = (
  decide: (request: ModelRequest) => { text?: string; toolCalls?: { name: string; arguments?: object }[] },
) => scriptedModel(Array.from({ length: 20 }, () => decide))

const lastUserText = (messages: readonly Message[]) => {
  const message = messages.findLast((entry) => entry.role === 'user')
  return typeof message?.content === 'string' ? message.content : ''
}
/** The last result of a tool that is not a handoff. */
const lastToolResult = (request: ModelRequest) =>
  request.messages.findLast((message) => message.role === 'tool' && !message.toolName.startsWith('transfer_'))

const policy = new Agent({
  name: 'policy',
  instructions: 'Answer questions about the payment policy in one sentence.',
  handoffDescription: 'Knows the payment policy: due dates, late fees.',
  model: decides(() => ({ text: 'Invoices are due 30 days after issue; no late fee before day 45.' })),
})

const billing = new Agent({
  name: 'billing',
  instructions: 'You answer questions about invoices. Check the policy when unsure.',
  handoffDescription: 'Invoices, due dates and payments.',
  model: decides((request) => {
    const policyAnswer = lastToolResult(request)
    if (policyAnswer === undefined) {
      return { toolCalls: [{ name: 'policy', arguments: { input: 'When is an invoice due?' } }] }
    }
    return { text: `Billing here. ${policyAnswer.content}` }
  }),
  tools: [policy.asTool()],
})

const refund = tool({
  name: 'refund',
  description: 'Refund an order',
  parameters: z.object({ orderId: z.string() }),
  execute: ({ orderId }) => `Refund of order ${orderId} issued.`,
})

const refunds = new Agent({
  name: 'refunds',
  instructions: 'You issue refunds.',
  model: decides((request) => {
    const done = lastToolResult(request)
    if (done === undefined) return { toolCalls: [{ name: 'refund', arguments: { orderId: 'A-42' } }] }
    return { text: `Refunds here. ${done.content}` }
  }),
  tools: [refund],
})

const triage = new Agent({
  name: 'triage',
  instructions: 'Route the user to the right specialist. Never answer yourself.',
  model: decides((request) => ({
    toolCalls: [
      {
        name: /refund/i.test(lastUserText(request.messages)) ? 'transfer_to_refunds' : 'transfer_to_billing',
      },
    ],
  })),
  handoffs: [
    billing,
    // The refunds desk sees only what the user wrote, not the triage's tool calls.
    handoff(refunds, {
      inputFilter: ({ messages }) => messages.filter((message) => message.role === 'user'),
    }),
  ],
})

const dir = mkdtempSync(join(tmpdir(), 'agentloop-triage-'))
const storage = createSqliteStorage({ path: join(dir, 'runs.db') })
try {
  // Only the entry agent is registered: a resumed run finds the others through its handoffs.
  const runtime = new Runtime({ storage, agents: [triage] })
  for (const question of ['When is my invoice due?', 'Please refund order A-42.']) {
    const events = runtime.stream(triage, question)
    for await (const event of events) {
      if (event.type === 'agent.handoff') console.log(`handoff: ${event.from} -> ${event.to}`)
      if (event.type === 'nested.event' && event.event.type === 'run.end') {
        console.log(`nested: ${event.path.join(' > ')} ${event.event.status}`)
      }
    }
    const result = await events.result
    console.log(`answered by ${result.lastAgent}: ${String(result.output)}`)
    console.log(`model calls: ${result.usage.modelCalls}`)
  }
} finally {
  await storage.close()
  rmSync(dir, { recursive: true, force: true })
}
