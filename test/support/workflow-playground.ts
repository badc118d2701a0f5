import { Agent, type ModelRequest, messageText } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { type BoundWorkflow, bindWorkflow, createWorkflowServices, workflow } from 'agentloop/workflows'

/**
 * A workflow for the playground's browser test: an agent drafts a reply, a condition routes
 * urgent tickets to a person, the person's answer (or the draft) ends it.
 */
export function reviewWorkflow(): BoundWorkflow {
  const writer = new Agent({
    name: 'writer',
    instructions: 'Draft a reply.',
    model: scriptedModel(
      Array.from({ length: 5 }, () => (request: ModelRequest) => ({
        text: `Draft: ${messageText(request.messages.findLast((message) => message.role === 'user') ?? { role: 'user', content: '' })}`,
      })),
    ),
  })
  const definition = workflow('ticket-review')
    .node('start', { type: 'start' })
    .node('draft', { type: 'agent', agent: 'writer', input: '${ticket}' })
    .node('route', { type: 'condition', expression: 'urgent' })
    .node('review', { type: 'human', prompt: 'Approve or rewrite: ${draft.output}' })
    .node('end', { type: 'end', output: { reply: '${review.output ?? draft.output}' } })
    .edge('start', 'draft')
    .edge('draft', 'route')
    .edge('route', 'review', { when: 'true' })
    .edge('route', 'end')
    .edge('review', 'end')
    .build()
  return bindWorkflow(definition, { services: createWorkflowServices({ agents: [writer] }) })
}
