/**
 * Admin routes of API keys: create (the key is in this answer only), list, revoke. And
 * `GET /api/meta/rate-limit-status` for any key: where it stands against its limits.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { API_KEY_SCOPES } from './api-key-store.js'
import { notFound } from './http-error.js'
import { requireScope } from './principal.js'
import { AUTH_ERRORS, BEARER, errors, Id, json, jsonBody } from './route-helpers.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

const Owner = z.string().regex(/^[A-Za-z0-9._@:-]{1,128}$/, '1 to 128 letters, digits or . _ @ : -')
const ApiKeyInfo = z
  .object({
    keyId: z.string(),
    owner: z.string(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    name: z.string().optional(),
    createdAt: z.number(),
    expiresAt: z.number().optional(),
    revokedAt: z.number().optional(),
  })
  .meta({ id: 'ApiKey' })
const CreateKey = z
  .object({
    owner: Owner.optional().describe('Default: the calling key’s owner'),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).optional().describe('Default ["read", "run"]'),
    name: z.string().max(200).optional(),
    expiresAt: z
      .union([z.iso.datetime({ offset: true }), z.number().int().positive()])
      .optional()
      .describe('ISO 8601 time or ms since the epoch; absent: never expires'),
  })
  .strict()
  .meta({ id: 'CreateApiKey' })

/** Adds the key and limit routes. */
export function registerKeyRoutes(app: OpenAPIHono<ServerEnv>, server: ServerContext): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/keys',
      tags: ['keys'],
      summary: 'Create an API key (admin). The key is shown in this answer only.',
      security: BEARER,
      request: jsonBody(CreateKey),
      responses: {
        201: json(z.object({ key: z.string(), info: ApiKeyInfo }), 'Created'),
        ...errors(400, 415, 422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'admin')
      const body = context.req.valid('json')
      const expiresAt = typeof body.expiresAt === 'string' ? Date.parse(body.expiresAt) : body.expiresAt
      const created = await server.keys.create(
        {
          owner: body.owner ?? principal.owner,
          ...(body.scopes === undefined ? {} : { scopes: body.scopes }),
          ...(body.name === undefined ? {} : { name: body.name }),
          ...(expiresAt === undefined ? {} : { expiresAt }),
        },
        principal,
      )
      context.get('logger').info({ keyId: created.info.keyId, owner: created.info.owner }, 'api key created')
      return context.json(created, 201)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/keys',
      tags: ['keys'],
      summary: 'List API keys (admin); never their secrets',
      security: BEARER,
      request: { query: z.object({ owner: Owner.optional() }) },
      responses: {
        200: json(z.object({ keys: z.array(ApiKeyInfo) }), 'Keys'),
        ...errors(422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      requireScope(context.get('principal'), 'admin')
      const { owner } = context.req.valid('query')
      return context.json({ keys: await server.keys.list(owner === undefined ? {} : { owner }) }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/keys/{keyId}',
      tags: ['keys'],
      summary: 'Revoke an API key (admin); it stops working at once',
      security: BEARER,
      request: { params: z.object({ keyId: Id }) },
      responses: {
        200: json(z.object({ keyId: z.string(), revoked: z.literal(true) }), 'Revoked'),
        ...errors(404, 422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'admin')
      const { keyId } = context.req.valid('param')
      if (!(await server.keys.revoke(keyId, principal))) throw notFound('API key', keyId)
      context.get('logger').info({ revokedKeyId: keyId }, 'api key revoked')
      return context.json({ keyId, revoked: true as const }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/meta/rate-limit-status',
      tags: ['meta'],
      summary: 'Where the calling key stands against its rate and concurrency limits',
      security: BEARER,
      responses: {
        200: json(
          z
            .object({
              keyId: z.string(),
              owner: z.string(),
              requests: z.object({
                limit: z.number(),
                remaining: z.number(),
                resetSeconds: z.number(),
                windowSeconds: z.number(),
              }),
              runs: z.object({ limit: z.number(), inFlight: z.number() }),
            })
            .meta({ id: 'RateLimitStatus' }),
          'Status',
        ),
        ...errors(...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      const status = await server.limits.status(principal.keyId)
      return context.json(
        {
          keyId: principal.keyId,
          owner: principal.owner,
          requests: { ...status, windowSeconds: 60 },
          runs: { limit: server.limits.concurrentRuns, inFlight: server.limits.inFlight(principal.keyId) },
        },
        200,
      )
    },
  )
}
