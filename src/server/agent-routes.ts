/**
 * Agents: list and get (code and stored), create and delete stored ones, and chat with one
 * (`POST /api/agents/{name}/chat`): wait for the answer, or stream the run's events.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { BudgetExceededError } from '../errors/budget-exceeded-error.js'
import { describeError } from '../errors/describe-error.js'
import { type AgentCatalog, AgentSettings } from './agent-catalog.js'
import { mayReach } from './audit-trail.js'
import { eventStream } from './event-stream.js'
import { budgetExceeded, HttpError, notFound } from './http-error.js'
import type { Ownership } from './ownership.js'
import type { Principal } from './principal.js'
import { requireScope } from './principal.js'
import type { RouteOptions } from './register-api-routes.js'
import { AUTH_ERRORS, BEARER, errors, Id, json, jsonBody, MaxTokens, Name } from './route-helpers.js'
import type { RunLauncher } from './run-launcher.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'
import { openSession } from './session-access.js'

const AgentInfo = z
  .object({
    name: z.string(),
    source: z.enum(['code', 'stored']),
    description: z.string().optional(),
    instructions: z.string().optional(),
    model: z.string(),
    tools: z.array(z.string()),
    settings: AgentSettings.optional(),
    owner: z.string().optional(),
    createdAt: z.number().optional(),
    updatedAt: z.number().optional(),
  })
  .meta({ id: 'Agent' })

const CreateAgent = z
  .object({
    name: Name,
    description: z.string().max(2000).optional(),
    instructions: z.string().max(100_000),
    model: z
      .string()
      .min(3)
      .max(200)
      .describe('A model reference: "provider:model-id", the provider built in or stored'),
    tools: z.array(Name).max(128).optional().describe("Names of tools in the server's tool registry"),
    settings: AgentSettings.optional(),
  })
  .strict()
  .meta({ id: 'CreateAgent' })

const Chat = z
  .object({
    message: z.string().min(1).max(200_000),
    sessionId: Id.optional().describe('Continue this session; default: a new session'),
    stream: z.boolean().optional().describe('true: answer with the run’s events as SSE'),
    maxTokens: MaxTokens.optional(),
  })
  .strict()
  .meta({ id: 'ChatRequest' })

const ChatResult = z
  .object({
    runId: z.string(),
    sessionId: z.string().nullable(),
    status: z.enum(['completed', 'failed', 'cancelled', 'awaiting_approval', 'needs_review']),
    output: z.unknown().optional(),
    usage: z.record(z.string(), z.number()).optional(),
    interruptions: z
      .array(z.object({ callId: z.string(), toolName: z.string(), arguments: z.unknown() }))
      .optional(),
    error: z.object({ name: z.string(), message: z.string() }).optional(),
  })
  .meta({ id: 'ChatResult' })

const NameParam = z.object({ name: Name })

/** Adds the agent routes. */
export function registerAgentRoutes(
  app: OpenAPIHono<ServerEnv>,
  server: ServerContext,
  deps: { catalog: AgentCatalog; ownership: Ownership; launcher: RunLauncher; options: RouteOptions },
): void {
  const { catalog, ownership, launcher, options } = deps

  /** An agent the principal may use: code agents for all, stored ones for their owner (404 otherwise). */
  const findAgent = async (name: string, principal: Principal) => {
    const entry = await catalog.get(name)
    if (
      entry === null ||
      (entry.info.owner !== undefined &&
        !(await mayReach(server.storage, principal, { kind: 'agent', id: name, owner: entry.info.owner })))
    ) {
      throw notFound('agent', name)
    }
    return entry
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/agents',
      tags: ['agents'],
      summary: 'List agents: registered in code, and stored ones of your owner',
      security: BEARER,
      responses: { 200: json(z.object({ agents: z.array(AgentInfo) }), 'Agents'), ...errors(...AUTH_ERRORS) },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const agents = await catalog.list(principal.scopes.includes('admin') ? undefined : principal.owner)
      return context.json({ agents }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/agents',
      tags: ['agents'],
      summary: 'Store an agent (instructions, model reference, tool names, settings)',
      security: BEARER,
      request: jsonBody(CreateAgent),
      responses: { 201: json(AgentInfo, 'Created'), ...errors(400, 409, 415, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      const info = await catalog.create(context.req.valid('json'), principal.owner)
      return context.json(info, 201)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/agents/{name}',
      tags: ['agents'],
      summary: 'Get an agent',
      security: BEARER,
      request: { params: NameParam },
      responses: { 200: json(AgentInfo, 'The agent'), ...errors(404, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const { info } = await findAgent(context.req.valid('param').name, principal)
      return context.json(info, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/agents/{name}',
      tags: ['agents'],
      summary: 'Delete a stored agent (agents registered in code cannot be deleted)',
      security: BEARER,
      request: { params: NameParam },
      responses: {
        200: json(z.object({ name: z.string(), deleted: z.literal(true) }), 'Deleted'),
        ...errors(404, 409, 422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      const { name } = context.req.valid('param')
      const { info } = await findAgent(name, principal)
      if (info.source === 'code') {
        throw new HttpError({
          type: 'conflict',
          message: `Agent "${name}" is registered in code; it cannot be deleted.`,
        })
      }
      await catalog.delete(name)
      return context.json({ name, deleted: true as const }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/agents/{name}/chat',
      tags: ['agents'],
      summary: 'Send a message to an agent: wait for its answer, or stream the run (stream: true)',
      description:
        'Without sessionId a new session is created (when the runtime has storage). With stream: true the answer is text/event-stream: one event per run event (`event:` its type, `id:` its seq), ending after run.end. A client that disconnects does not stop the run.',
      security: BEARER,
      request: { params: NameParam, ...jsonBody(Chat) },
      responses: {
        200: {
          description: 'The run’s result, or its events as SSE',
          content: {
            'application/json': { schema: ChatResult },
            'text/event-stream': { schema: z.string() },
          },
        },
        ...errors(400, 404, 415, 422, 503, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      const { name } = context.req.valid('param')
      const body = context.req.valid('json')
      const { agent } = await findAgent(name, principal)
      const sessionId = await openSession(server, ownership, principal, body.sessionId)
      const launch = { principal, agent, input: body.message, sessionId, maxTokens: body.maxTokens }
      if (body.stream === true) {
        const stream = await launcher.start(launch)
        context.header('X-Agentloop-Run-Id', stream.runId)
        return eventStream(
          context,
          { keepAliveMs: options.sseKeepAliveMs, shutdown: options.shutdown },
          async (writer) => {
            // The run goes on whatever the client does: events are read to the end either way.
            for await (const event of stream) {
              await writer.send({ id: String(event.seq), event: event.type, data: JSON.stringify(event) })
            }
          },
        )
      }
      const started = await launcher.run(launch)
      try {
        const result = await started.result
        return context.json(
          {
            runId: result.runId,
            sessionId: sessionId ?? null,
            status: result.status,
            output: result.output,
            usage: { ...result.usage },
            ...(result.interruptions.length === 0 ? {} : { interruptions: result.interruptions }),
          },
          200,
        )
      } catch (error) {
        // A budget stopped the run before a model call: the answer says so as a 429.
        if (error instanceof BudgetExceededError) throw budgetExceeded(error)
        const described = describeError(error)
        return context.json(
          {
            runId: started.runId,
            sessionId: sessionId ?? null,
            status: described.name === 'RunCancelledError' ? ('cancelled' as const) : ('failed' as const),
            error: { name: described.name, message: described.message },
          },
          200,
        )
      }
    },
  )
}
