import { Agent, type ModelRequest, messageText, type Runtime } from 'agentloop'
import type { AgentLoopServer } from 'agentloop/server'
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

/**
 * The workflow routes the playground calls (`GET /api/workflows`, `POST /api/workflows/{name}/runs`,
 * `POST /api/runs/{runId}/resume`), added to a test server only when it does not serve them itself.
 * The server's own routes, when present, are registered first and answer instead.
 */
export function addWorkflowRoutes(
  server: AgentLoopServer,
  runtime: Runtime,
  workflows: BoundWorkflow[],
): void {
  if (server.app.routes.some((route) => route.path === '/api/workflows')) return
  server.app.get('/api/workflows', (context) =>
    context.json({
      workflows: workflows.map((entry) => ({ name: entry.name, definition: entry.definition })),
    }),
  )
  server.app.post('/api/workflows/:name/runs', async (context) => {
    const { input } = (await context.req.json()) as { input?: unknown }
    const { runId } = await runtime.submit(context.req.param('name'), JSON.stringify(input ?? {}))
    return context.json({ runId }, 202)
  })
  server.app.post('/api/runs/:runId/resume', async (context) => {
    const { input } = (await context.req.json()) as { input: Record<string, unknown> }
    const resumed = runtime.resume(context.req.param('runId'), { input: input as never })
    resumed.catch(() => {})
    return context.json({ runId: context.req.param('runId'), status: 'queued' }, 202)
  })
}
