/**
 * A support workflow: a triage agent reads the ticket, a condition routes it, and either a
 * specialist agent answers or a person reviews it first. The definition is plain JSON built with
 * `workflow()`; each node is checkpointed, and the paused run is resumed by a "new process" from
 * the saved state alone.
 *
 * Run: npx tsx examples/workflow.ts   (uses scripted models; no API key needed)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, type ModelRequest, messageText } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import {
  bindWorkflow,
  createWorkflowServices,
  type WorkflowEvent,
  type WorkflowState,
  workflow,
  workflowToMermaid,
} from 'agentloop/workflows'
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
const onEvent = (event: WorkflowEvent) => {
  if (event.type === 'node.end' && !('nodeRunId' in event)) console.log(`  ${event.nodeId}: ${event.status}`)
}
const dir = mkdtempSync(join(tmpdir(), 'agentloop-workflow-'))
const saveTo = (path: string) => (state: WorkflowState) => writeFileSync(path, JSON.stringify(state))

// A routine ticket: the specialist answers.
const support = bindWorkflow(definition, { services })
const routine = await support.run(
  { ticket: 'My invoice shows the wrong address.' },
  { onEvent, checkpoint: saveTo(join(dir, 'routine.json')) },
)
console.log(`ticket 1: ${routine.status} ${JSON.stringify(routine.output)}`)

// An urgent ticket: the run pauses for a person; its state is on disk after every node.
const urgentPath = join(dir, 'urgent.json')
const urgent = await support.run(
  { ticket: 'Refund now or I call my lawyer, you charged me twice!' },
  { onEvent, checkpoint: saveTo(urgentPath) },
)
console.log(`ticket 2: ${urgent.status}: ${JSON.stringify(urgent.waiting[0]?.prompt)}`)

// Later, another process: bind the same JSON definition and resume from the saved state.
const later = bindWorkflow(JSON.parse(JSON.stringify(definition)), { services })
const saved = JSON.parse(readFileSync(urgentPath, 'utf8')) as WorkflowState
const done = await later.resume(saved, {
  input: { reply: 'We refunded the second charge; sorry for the trouble.' },
  onEvent,
  checkpoint: saveTo(urgentPath),
})
console.log(`ticket 2 resumed: ${done.status} ${JSON.stringify(done.output)}`)
rmSync(dir, { recursive: true, force: true })
