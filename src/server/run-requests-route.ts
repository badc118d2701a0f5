/**
 * `GET /api/runs/{runId}/requests`: what the model was sent at each turn of an agent run, as the
 * run's checkpoint stores it (the playground's run inspector shows it). The request of turn `n` is
 * the conversation before the run's `n`-th assistant message, with the agent's instructions and
 * tools when the agent is registered. A turn whose request was compacted before it was sent has a
 * `context.compact` event saying how many messages the model saw.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { describeError } from '../errors/describe-error.js'
import type { Message as MessageType } from '../messages/message.js'
import { Message } from '../messages/message-schema.js'
import { loadStoredState } from '../run/stored-run-state.js'
import { mayReach } from './audit-trail.js'
import { HttpError, notFound } from './http-error.js'
import type { Ownership } from './ownership.js'
import { requireScope } from './principal.js'
import { AUTH_ERRORS, BEARER, errors, Id, json } from './route-helpers.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

/** What the route reads of a rebuilt state: the messages and where the run's own ones start. */
const StoredMessages = z.object({
  messages: z.array(Message),
  inputLength: z.number().int().min(0),
})

const Requests = z
  .object({
    runId: z.string(),
    agent: z.string(),
    available: z
      .boolean()
      .describe('false when the run has no stored checkpoint (not an agent run, or pruned)'),
    reason: z.string().optional(),
    instructions: z.string().optional().describe('The registered agent’s instructions, when they are text'),
    tools: z.array(z.object({ name: z.string(), description: z.string() })),
    turns: z.array(z.object({ turn: z.number(), messages: z.array(Message.meta({ id: 'Message' })) })),
  })
  .meta({ id: 'RunRequests' })

/** The request of each turn: the messages before each assistant message the run added. */
export function requestsByTurn(
  messages: readonly MessageType[],
  inputLength: number,
): { turn: number; messages: MessageType[] }[] {
  const turns: { turn: number; messages: MessageType[] }[] = []
  for (let index = inputLength; index < messages.length; index++) {
    if (messages[index]?.role === 'assistant') {
      turns.push({ turn: turns.length + 1, messages: messages.slice(0, index) })
    }
  }
  return turns
}

/** Adds `GET /api/runs/{runId}/requests`. */
export function registerRunRequestsRoute(
  app: OpenAPIHono<ServerEnv>,
  server: ServerContext,
  ownership: Ownership,
): void {
  const storage = server.storage
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{runId}/requests',
      tags: ['runs'],
      summary: 'The messages sent to the model at each turn of an agent run, from its stored checkpoint',
      security: BEARER,
      request: { params: z.object({ runId: Id }) },
      responses: { 200: json(Requests, 'The requests by turn'), ...errors(404, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const { runId } = context.req.valid('param')
      const record = await storage.runs.get(runId)
      if (
        record === null ||
        !(await mayReach(storage, principal, {
          kind: 'run',
          id: runId,
          owner: await ownership.ownerOf('run', runId),
        }))
      ) {
        throw notFound('run', runId)
      }
      const registered = server.runtime.runnables.get(record.agentName)
      const agent = registered?.kind === 'agent' ? registered.agent : undefined
      const base = {
        runId,
        agent: record.agentName,
        ...(typeof agent?.instructions === 'string' ? { instructions: agent.instructions } : {}),
        tools: (agent?.modelTools ?? []).map((entry) => ({
          name: entry.name,
          description: entry.description,
        })),
      }
      const checkpoint = await storage.runs.load(runId)
      if (
        checkpoint === null ||
        record.kind !== 'agent' ||
        (registered !== undefined && agent === undefined)
      ) {
        return context.json(
          {
            ...base,
            available: false,
            reason:
              checkpoint === null
                ? 'The run has no stored checkpoint (pruned, or not started).'
                : 'Not an agent run: its events show what it did.',
            turns: [],
          },
          200,
        )
      }
      let state: z.infer<typeof StoredMessages>
      try {
        const parsed = StoredMessages.safeParse(await loadStoredState(storage, runId, checkpoint))
        if (!parsed.success) {
          return context.json(
            {
              ...base,
              available: false,
              reason: 'Not an agent run: its events show what it did.',
              turns: [],
            },
            200,
          )
        }
        state = parsed.data
      } catch (error) {
        throw new HttpError({
          type: 'conflict',
          message: `The stored state of run "${runId}" cannot be read: ${describeError(error).message}`,
        })
      }
      return context.json(
        { ...base, available: true, turns: requestsByTurn(state.messages, state.inputLength) },
        200,
      )
    },
  )
}
