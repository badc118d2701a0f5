/**
 * Providers stored as data (admin): create or replace, list, get, delete. The API key goes in,
 * encrypted at rest; it never comes out (`hasApiKey` says whether one is stored).
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { mayReach } from './audit-trail.js'
import { notFound } from './http-error.js'
import { type Principal, requireScope } from './principal.js'
import { PROVIDER_TYPES, type ProviderStore } from './provider-store.js'
import { AUTH_ERRORS, BEARER, errors, json, jsonBody, Name } from './route-helpers.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

const Provider = z
  .object({
    name: z.string(),
    type: z.enum(PROVIDER_TYPES),
    baseURL: z.string().optional(),
    defaultModel: z.string().optional(),
    hasApiKey: z.boolean(),
    owner: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Provider' })
const PutProvider = z
  .object({
    name: Name,
    type: z.enum(PROVIDER_TYPES),
    baseURL: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
    defaultModel: z.string().min(1).max(200).optional(),
    apiKey: z.string().min(1).max(4000).optional().describe('Stored encrypted; never returned'),
  })
  .strict()
  .meta({ id: 'PutProvider' })
const NameParam = z.object({ name: Name })

/** Adds the provider routes. */
export function registerProviderRoutes(
  app: OpenAPIHono<ServerEnv>,
  server: ServerContext,
  providers: ProviderStore,
): void {
  const reach = (principal: Principal, info: { name: string; owner: string }, action: string) =>
    mayReach(server.storage, principal, { kind: 'provider', id: info.name, owner: info.owner, action })
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/providers',
      tags: ['providers'],
      summary: 'Store a provider (admin); replaces one of the same name',
      security: BEARER,
      request: jsonBody(PutProvider),
      responses: {
        201: json(Provider, 'Created'),
        200: json(Provider, 'Replaced'),
        ...errors(400, 409, 415, 422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'admin')
      const body = context.req.valid('json')
      const existing = await providers.get(body.name)
      if (existing !== null && !(await reach(principal, existing, 'replace')))
        throw notFound('provider', body.name)
      const { info, created } = await providers.put(body, principal.owner)
      context.get('logger').info({ provider: info.name, hasApiKey: info.hasApiKey }, 'provider stored')
      return created ? context.json(info, 201) : context.json(info, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/providers',
      tags: ['providers'],
      summary: 'List stored providers (without their keys)',
      security: BEARER,
      responses: {
        200: json(z.object({ providers: z.array(Provider) }), 'Providers'),
        ...errors(...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const list = await providers.list(principal.scopes.includes('admin') ? undefined : principal.owner)
      return context.json({ providers: list }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/providers/{name}',
      tags: ['providers'],
      summary: 'Get a stored provider (without its key)',
      security: BEARER,
      request: { params: NameParam },
      responses: { 200: json(Provider, 'The provider'), ...errors(404, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const { name } = context.req.valid('param')
      const info = await providers.get(name)
      if (info === null || !(await reach(principal, info, 'read'))) throw notFound('provider', name)
      return context.json(info, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/providers/{name}',
      tags: ['providers'],
      summary: 'Delete a stored provider (admin)',
      security: BEARER,
      request: { params: NameParam },
      responses: {
        200: json(z.object({ name: z.string(), deleted: z.literal(true) }), 'Deleted'),
        ...errors(404, 422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'admin')
      const { name } = context.req.valid('param')
      const info = await providers.get(name)
      if (info === null || !(await reach(principal, info, 'delete'))) throw notFound('provider', name)
      await providers.delete(name)
      return context.json({ name, deleted: true as const }, 200)
    },
  )
}
