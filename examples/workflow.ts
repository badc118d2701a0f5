/**
 * A support workflow: a triage agent reads the ticket, a condition routes it, and either a
 * specialist agent answers or a person reviews it first. The definition is plain JSON built with
 * `workflow()`; it is registered on a Runtime with SQLite storage and run like an agent (one
 * stored run, its events in one log, a checkpoint after every node). The paused run is answered
 * by a "new process": a new Runtime on the same database, `runtime.resume(runId, { input })`.
 *
 * Run: npx tsx examples/workflow.ts   (uses scripted models; no API key needed)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, type ModelRequest, messageText, Runtime } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import { scriptedModel } from 'agentloop/testing'
import { bindWorkflow, createWorkflowServices, workflow, workflowToMermaid } from 'agentloop/workflows'
import { z } from 'zod'

/** The text of the last user message a scripted model received. */
const lastUserText = (request: ModelRequest) =>
  messageText(
    request.messages.findLast((message) => message.role === 'user') ?? { role: 'user', content: '' },
  )

// Stateless scripted models: each answer is computed from the request, as a real model would.
const triage = new Agent({
  name: 'triage',
  instructions: 'Classify the support ticket.',
  output: z.object({ category: z.enum(['billing', 'technical']), urgent: z.boolean(), summary: z.string() }),
  model: scriptedModel(
    Array.from({ length: 10 }, () => (request: ModelRequest) => {
      const text = lastUserText(request)
      const urgent = /lawyer|refund now|outage/i.test(text)
      const category = /invoice|charge|refund/i.test(text) ? 'billing' : 'technical'
      return { text: JSON.stringify({ category, urgent, summary: text.slice(0, 60) }) }
    }),
  ),
})
const specialist = new Agent({
  name: 'specialist',
  instructions: 'Answer the customer.',
  model: scriptedModel(
    Array.from({ length: 10 }, () => (request: ModelRequest) => ({
      text: `Thanks for reaching out. ${lastUserText(request)}`,
    })),
  ),
})

const definition = workflow('support')
  .node('start', { type: 'start' })
  .node('triage', { type: 'agent', agent: 'triage', input: '${ticket}' })
  .node('route', { type: 'condition', expression: 'triage.output.urgent' })
  .node('answer', {
    type: 'agent',
    agent: 'specialist',
    input: 'A ${triage.output.category} question: ${triage.output.summary}',
    retries: 2,
    retryDelayMs: 500,
  })
  .node('review', {
    type: 'human',
    prompt: 'Urgent ${triage.output.category} ticket: ${triage.output.summary}',
  })
  .node('end', {
    type: 'end',
    output: { category: '${triage.output.category}', reply: '${answer.output ?? review.output.reply}' },
  })
  .edge('start', 'triage')
  .edge('triage', 'route')
  .edge('route', 'review', { when: 'true' })
  .edge('route', 'answer', { when: 'false' })
  .edge('answer', 'end')
  .edge('review', 'end')
  .build()

console.log(workflowToMermaid(definition))

const services = createWorkflowServices({ agents: [triage, specialist] })
const dir = mkdtempSync(join(tmpdir(), 'agentloop-workflow-'))
const path = join(dir, 'support.db')

// One process: the workflow is registered on a Runtime with durable storage, and runs like an agent.
const storage = createSqliteStorage({ path })
const runtime = new Runtime({ storage })
const support = bindWorkflow(definition, { services })
runtime.register(support)

// A routine ticket, streamed: the specialist answers. A JSON object input is the workflow's variables.
const stream = runtime.stream(support, JSON.stringify({ ticket: 'My invoice shows the wrong address.' }))
for await (const event of stream) {
  if (event.type === 'node.end') console.log(`  ${event.nodeId}: ${event.status}`)
}
const routine = await stream.result
console.log(`ticket 1: ${routine.status} ${JSON.stringify(routine.output)}`)

// An urgent ticket: the run pauses for a person (status awaiting_input), stored with its state.
const urgent = await runtime.run(
  support,
  JSON.stringify({ ticket: 'Refund now or I call my lawyer, you charged me twice!' }),
  { runId: 'ticket-2' },
)
const asks =
  urgent.status === 'awaiting_input' ? (urgent.request as { waiting: { prompt: string }[] }) : undefined
console.log(`ticket 2: ${urgent.status}: ${JSON.stringify(asks?.waiting[0]?.prompt)}`)
const pausedAt = await storage.runs.lastEventSeq('ticket-2')
await runtime.close()
await storage.close()

// Later, another process: a new Runtime on the same database answers the human node by its id.
const laterStorage = createSqliteStorage({ path })
const later = new Runtime({ storage: laterStorage })
later.register(bindWorkflow(JSON.parse(JSON.stringify(definition)), { services }))
const done = await later.resume('ticket-2', {
  input: { review: { reply: 'We refunded the second charge; sorry for the trouble.' } },
})
console.log(`ticket 2 resumed: ${done.status} ${JSON.stringify(done.output)}`)
// The run's one stored log continues after the pause: only the nodes left ran.
for (const event of await laterStorage.runs.readEvents('ticket-2', { afterSeq: pausedAt })) {
  if (event.type === 'node.end') console.log(`  ${event.nodeId}: ${event.status}`)
}
await later.close()
await laterStorage.close()
rmSync(dir, { recursive: true, force: true })
