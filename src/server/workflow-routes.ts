/**
 * Workflows served over HTTP: those registered on the runtime (`runtime.register(bound)`, or a
 * config module's `runnables`), listed with their JSON definition, shown with a Mermaid drawing,
 * and run through the runner (202 with the run id at once; events over
 * `GET /api/runs/{runId}/events`). A run paused at a human node (`awaiting_input`) continues with
 * `POST /api/runs/{runId}/resume { input }` (run-resume-route.ts), in whichever process takes it.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { describeError } from '../errors/describe-error.js'
import { resolveSchema } from '../tool/schema.js'
import type { JsonObject } from '../util/json.js'
import type { WorkflowDefinition } from '../workflows/workflow-definition.js'
import { workflowDefinitionOf } from '../workflows/workflow-runnable.js'
import { workflowToMermaid } from '../workflows/workflow-to-mermaid.js'
import { HttpError, notFound } from './http-error.js'
import type { Ownership } from './ownership.js'
import { requireScope } from './principal.js'
import type { RouteOptions } from './register-api-routes.js'
import { AUTH_ERRORS, BEARER, errors, json, jsonBody, Name } from './route-helpers.js'
import { holdRunSlot, refuseWhileDraining } from './run-launcher.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

const Definition = z
  .record(z.string(), z.unknown())
  .describe('The workflow definition as JSON (format of agentloop/workflows, docs/workflows.md)')
  .meta({ id: 'WorkflowDefinition' })
const WorkflowSummary = z
  .object({ name: z.string(), description: z.string().optional(), definition: Definition })
  .meta({ id: 'WorkflowSummary' })
const WorkflowDetail = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    definition: Definition,
    mermaid: z.string().describe('The definition drawn as a Mermaid flowchart'),
  })
  .meta({ id: 'Workflow' })
const SubmitWorkflowRun = z
  .object({
    input: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("The workflow's variables (checked against its input schema, if it has one); default {}"),
  })
  .strict()
  .meta({ id: 'SubmitWorkflowRun' })
const NameParam = z.object({ name: Name })

/** The workflows registered on a runtime, by name. */
function workflowsOf(server: ServerContext): Map<string, WorkflowDefinition> {
  const found = new Map<string, WorkflowDefinition>()
  for (const entry of server.runtime.runnables.list()) {
    if (entry.kind !== 'custom') continue
    const definition = workflowDefinitionOf(entry.runnable)
    if (definition !== undefined) found.set(entry.name, definition)
  }
  return found
}

function summary(definition: WorkflowDefinition) {
  return {
    name: definition.name,
    ...(definition.description === undefined ? {} : { description: definition.description }),
    definition: definition as unknown as Record<string, unknown>,
  }
}

/** Adds the workflow routes and `POST /api/runs/{runId}/resume`. */
export function registerWorkflowRoutes(
  app: OpenAPIHono<ServerEnv>,
  server: ServerContext,
  deps: { ownership: Ownership; options: RouteOptions },
): void {
  const { ownership, options } = deps
  const runtime = server.runtime
  const find = (name: string): WorkflowDefinition => {
    const definition = workflowsOf(server).get(name)
    if (definition === undefined) throw notFound('workflow', name)
    return definition
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/workflows',
      tags: ['workflows'],
      summary: 'List the workflows registered on the runtime, with their definitions',
      security: BEARER,
      responses: {
        200: json(z.object({ workflows: z.array(WorkflowSummary) }), 'The workflows'),
        ...errors(...AUTH_ERRORS),
      },
    }),
    (context) => {
      requireScope(context.get('principal'), 'read')
      return context.json({ workflows: [...workflowsOf(server).values()].map(summary) }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/workflows/{name}',
      tags: ['workflows'],
      summary: 'Get a workflow: its definition and a Mermaid drawing of it',
      security: BEARER,
      request: { params: NameParam },
      responses: { 200: json(WorkflowDetail, 'The workflow'), ...errors(404, 422, ...AUTH_ERRORS) },
    }),
    (context) => {
      requireScope(context.get('principal'), 'read')
      const definition = find(context.req.valid('param').name)
      return context.json({ ...summary(definition), mermaid: workflowToMermaid(definition) }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/workflows/{name}/runs',
      tags: ['workflows'],
      summary: 'Run a workflow through the runner; answers 202 with the run id at once',
      description:
        'Follow it with GET /api/runs/{runId}/events. A human node pauses the run (status awaiting_input, an input.request event); answer with POST /api/runs/{runId}/resume.',
      security: BEARER,
      request: { params: NameParam, ...jsonBody(SubmitWorkflowRun) },
      responses: {
        202: json(z.object({ runId: z.string() }), 'Submitted'),
        ...errors(400, 404, 415, 422, 503, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      refuseWhileDraining(server)
      const definition = find(context.req.valid('param').name)
      const input = (context.req.valid('json').input ?? {}) as JsonObject
      await checkInput(definition, input)
      const runId = crypto.randomUUID()
      const track = holdRunSlot({ server, shutdown: options.shutdown, principal, runId })
      try {
        await ownership.record('run', runId, principal.owner)
        // A workflow run's input is one user message whose text is the variables as JSON.
        const submitted = runtime.submit(definition.name, JSON.stringify(input), { runId })
        track(submitted)
        await submitted
      } catch (error) {
        throw error instanceof HttpError
          ? error
          : new HttpError({ type: 'invalid_request', message: describeError(error).message })
      }
      context.header('Location', `/api/runs/${runId}`)
      return context.json({ runId }, 202)
    },
  )
}

/** Checks a run's input against the workflow's input schema: 422 naming the field. */
async function checkInput(definition: WorkflowDefinition, input: JsonObject): Promise<void> {
  if (definition.input === undefined) return
  const schema = resolveSchema<unknown>(definition.input, {
    strict: false,
    field: `workflow "${definition.name}": input`,
  })
  const checked = await schema.validate(structuredClone(input))
  if (checked.success) return
  const issue = checked.issues[0]
  const path = issue?.path ?? []
  const field = ['body.input', ...path.map(String)].join('.')
  throw new HttpError({
    type: 'invalid_request',
    field,
    message: `${field}: ${issue?.message ?? 'does not match the input schema'} (workflow "${definition.name}" input schema).`,
  })
}
