/**
 * A durable run that pauses for a human: the agent wants to issue a refund, a tool that needs
 * approval. The run is saved in SQLite with status awaiting_approval; a second runtime (as after a
 * restart, or in another process) continues it once someone approves.
 *
 * Run: npx tsx examples/approval.ts   (uses a scripted model; no API key needed)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, type ModelRequest, Runtime, tool } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import { scriptedModel } from 'agentloop/testing'
import { z } from 'zod'

const refund = tool({
  name: 'refund',
  description: 'Refund an order',
  parameters: z.object({ orderId: z.string(), amount: z.number() }),
  // Refunds above 50 need a person to approve them.
  needsApproval: ({ amount }) => amount > 50,
  execute: ({ orderId, amount }, { idempotencyKey }) =>
    `Refunded ${amount} EUR on order ${orderId} (idempotency key ${idempotencyKey}).`,
})

/** A stateless scripted model: it asks for the refund, then reports the tool's result. */
const model = scriptedModel(
  Array.from({ length: 4 }, () => (request: ModelRequest) => {
    const result = request.messages.findLast((message) => message.role === 'tool')
    if (result === undefined) {
      return { toolCalls: [{ name: 'refund', arguments: { orderId: 'A-42', amount: 120 } }] }
    }
    return { text: `Done: ${result.content}` }
  }),
)
const agent = new Agent({ name: 'support', instructions: 'Help with refunds.', model, tools: [refund] })

const dir = mkdtempSync(join(tmpdir(), 'agentloop-approval-'))
const path = join(dir, 'runs.sqlite')

// Process 1: the run pauses and is saved.
const first = createSqliteStorage({ path })
const paused = await new Runtime({ storage: first, agents: [agent] }).run(agent, 'Refund order A-42, please.')
console.log(`status: ${paused.status}`)
for (const waiting of paused.interruptions) {
  console.log(`waiting for approval: ${waiting.toolName} ${JSON.stringify(waiting.arguments)}`)
}
await first.close()

// Process 2 (later): open the same file and approve.
const second = createSqliteStorage({ path })
const runtime = new Runtime({ storage: second, agents: [agent] })
const decisions = paused.interruptions.map(({ callId }) => ({ callId, approve: true }))
const done = await runtime.resume(paused.runId, { approvals: decisions })
console.log(`status: ${done.status}`)
console.log(done.output)
await second.close()
rmSync(dir, { recursive: true, force: true })
