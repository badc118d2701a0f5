/**
 * Sessions (conversations with branches) through the session store: create, list (your owner's,
 * newest first, by cursor), get with branches, delete, messages of a branch, edit a message,
 * regenerate an answer, fork, switch branch.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { Message } from '../messages/message-schema.js'
import type { JsonObject } from '../util/json.js'
import { mayReach } from './audit-trail.js'
import { HttpError } from './http-error.js'
import type { Ownership } from './ownership.js'
import { decodeCursor, encodeCursor } from './page-cursor.js'
import { requireScope } from './principal.js'
import { AUTH_ERRORS, BEARER, errors, Id, json, jsonBody } from './route-helpers.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'
import { findSession } from './session-access.js'

const MessageSchema = Message.meta({ id: 'Message' })
const Session = z
  .object({
    sessionId: z.string(),
    title: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    activeBranchId: z.string(),
    parentSessionId: z.string().optional(),
    forkedFromMessageId: z.string().optional(),
    revision: z.number(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Session' })
const Branch = z
  .object({
    sessionId: z.string(),
    branchId: z.string(),
    headId: z.string().nullable(),
    forkedFrom: z.object({ branchId: z.string(), messageId: z.string() }).optional(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Branch' })
const Entry = z
  .object({ id: z.string(), parentId: z.string().nullable(), message: MessageSchema, createdAt: z.number() })
  .meta({ id: 'SessionEntry' })
const Metadata = z.record(z.string().max(200), z.union([z.string(), z.number(), z.boolean(), z.null()]))

const SessionParam = z.object({ sessionId: Id })
const MessageParam = z.object({ sessionId: Id, messageId: Id })

/** Adds the session routes. */
export function registerSessionRoutes(
  app: OpenAPIHono<ServerEnv>,
  server: ServerContext,
  ownership: Ownership,
): void {
  const sessions = server.storage.sessions
  const find = (context: { get(key: 'principal'): Parameters<typeof findSession>[2] }, id: string) =>
    findSession(server, ownership, context.get('principal'), id)

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/sessions',
      tags: ['sessions'],
      summary: 'Create a session',
      security: BEARER,
      request: jsonBody(
        z
          .object({
            title: z.string().max(500).optional(),
            metadata: Metadata.optional(),
            messages: z.array(MessageSchema).max(1000).optional(),
          })
          .strict()
          .meta({ id: 'CreateSession' }),
      ),
      responses: { 201: json(Session, 'Created'), ...errors(400, 415, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      const body = context.req.valid('json')
      const session = await sessions.create({
        ...(body.title === undefined ? {} : { title: body.title }),
        ...(body.metadata === undefined ? {} : { metadata: body.metadata as JsonObject }),
        ...(body.messages === undefined ? {} : { messages: body.messages }),
      })
      await ownership.record('session', session.sessionId, principal.owner)
      return context.json(session, 201)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/sessions',
      tags: ['sessions'],
      summary: 'List your owner’s sessions, newest first (admin: any owner with ?owner=)',
      security: BEARER,
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(200).optional().describe('Default 50'),
          cursor: z.string().max(1000).optional(),
          owner: z.string().max(128).optional(),
        }),
      },
      responses: {
        200: json(z.object({ sessions: z.array(Session), nextCursor: z.string().nullable() }), 'A page'),
        ...errors(422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const query = context.req.valid('query')
      if (query.owner !== undefined && query.owner !== principal.owner) {
        requireScope(principal, 'admin')
        await mayReach(server.storage, principal, {
          kind: 'sessions',
          id: query.owner,
          owner: query.owner,
          action: 'list',
        })
      }
      const limit = query.limit ?? 50
      const after = decodeCursor(query.cursor)
      const ids = await ownership.list('session', query.owner ?? principal.owner, {
        limit: limit + 1,
        ...(after === undefined ? {} : { after }),
      })
      const page = ids.slice(0, limit)
      const found = await Promise.all(page.map((entry) => sessions.get(entry.id)))
      const last = page.at(-1)
      return context.json(
        {
          sessions: found.filter((session) => session !== null),
          nextCursor: ids.length > limit && last !== undefined ? encodeCursor(last.position) : null,
        },
        200,
      )
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/sessions/{sessionId}',
      tags: ['sessions'],
      summary: 'Get a session and its branches',
      security: BEARER,
      request: { params: SessionParam },
      responses: {
        200: json(z.object({ session: Session, branches: z.array(Branch) }), 'The session'),
        ...errors(404, 422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      requireScope(context.get('principal'), 'read')
      const session = await find(context, context.req.valid('param').sessionId)
      return context.json({ session, branches: await sessions.branches(session.sessionId) }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/sessions/{sessionId}',
      tags: ['sessions'],
      summary: 'Delete a session with its messages and branches',
      security: BEARER,
      request: { params: SessionParam },
      responses: {
        200: json(z.object({ sessionId: z.string(), deleted: z.literal(true) }), 'Deleted'),
        ...errors(404, 422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      requireScope(context.get('principal'), 'run')
      const session = await find(context, context.req.valid('param').sessionId)
      await sessions.delete(session.sessionId)
      return context.json({ sessionId: session.sessionId, deleted: true as const }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/sessions/{sessionId}/messages',
      tags: ['sessions'],
      summary: 'The messages of a branch (default: the active one), oldest first, with their ids',
      security: BEARER,
      request: { params: SessionParam, query: z.object({ branchId: Id.optional() }) },
      responses: {
        200: json(z.object({ branchId: z.string(), messages: z.array(Entry) }), 'Messages'),
        ...errors(404, 422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      requireScope(context.get('principal'), 'read')
      const session = await find(context, context.req.valid('param').sessionId)
      const branchId = context.req.valid('query').branchId ?? session.activeBranchId
      const branches = await sessions.branches(session.sessionId)
      if (!branches.some((branch) => branch.branchId === branchId)) {
        throw new HttpError({
          type: 'not_found',
          message: `Session "${session.sessionId}" has no branch "${branchId}".`,
        })
      }
      return context.json(
        { branchId, messages: await sessions.entries(session.sessionId, { branchId }) },
        200,
      )
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/sessions/{sessionId}/messages/{messageId}/edit',
      tags: ['sessions'],
      summary: 'Edit a message: a new active branch ends with the new version; the old branch stays',
      security: BEARER,
      request: { params: MessageParam, ...jsonBody(z.object({ message: MessageSchema }).strict()) },
      responses: { 200: json(Branch, 'The new branch'), ...errors(400, 404, 415, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      requireScope(context.get('principal'), 'run')
      const { sessionId, messageId } = context.req.valid('param')
      await find(context, sessionId)
      return context.json(await sessions.edit(sessionId, messageId, context.req.valid('json').message), 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/sessions/{sessionId}/messages/{messageId}/regenerate',
      tags: ['sessions'],
      summary:
        'Regenerate an answer: a new active branch ends at its parent (plus the new answer when given)',
      description:
        'Then POST /api/agents/{name}/chat with this sessionId, or pass the new answer as message.',
      security: BEARER,
      request: {
        params: MessageParam,
        ...jsonBody(z.object({ message: MessageSchema.optional() }).strict()),
      },
      responses: { 200: json(Branch, 'The new branch'), ...errors(400, 404, 415, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      requireScope(context.get('principal'), 'run')
      const { sessionId, messageId } = context.req.valid('param')
      await find(context, sessionId)
      const { message } = context.req.valid('json')
      return context.json(
        await sessions.regenerate(sessionId, messageId, message === undefined ? {} : { message }),
        200,
      )
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/sessions/{sessionId}/fork',
      tags: ['sessions'],
      summary: 'Fork: copy the active branch up to a message (default: its head) into a new session',
      security: BEARER,
      request: {
        params: SessionParam,
        ...jsonBody(z.object({ messageId: Id.optional(), title: z.string().max(500).optional() }).strict()),
      },
      responses: { 201: json(Session, 'The new session'), ...errors(400, 404, 415, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      const { sessionId } = context.req.valid('param')
      await find(context, sessionId)
      const body = context.req.valid('json')
      const fork = await sessions.fork(sessionId, {
        ...(body.messageId === undefined ? {} : { messageId: body.messageId }),
        ...(body.title === undefined ? {} : { title: body.title }),
      })
      await ownership.record('session', fork.sessionId, principal.owner)
      return context.json(fork, 201)
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/sessions/{sessionId}/switch',
      tags: ['sessions'],
      summary: 'Make a branch the active one',
      security: BEARER,
      request: { params: SessionParam, ...jsonBody(z.object({ branchId: Id }).strict()) },
      responses: { 200: json(Session, 'The session'), ...errors(400, 404, 415, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      requireScope(context.get('principal'), 'run')
      const { sessionId } = context.req.valid('param')
      await find(context, sessionId)
      return context.json(await sessions.switchBranch(sessionId, context.req.valid('json').branchId), 200)
    },
  )
}
