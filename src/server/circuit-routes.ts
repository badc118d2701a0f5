/**
 * Admin routes of the providers' circuit breakers (`createServer({ circuitBreakers })`): their
 * state, and a reset that closes one at once. `/health` shows the same state to anyone.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { HttpError, notFound } from './http-error.js'
import { requireScope } from './principal.js'
import { AUTH_ERRORS, BEARER, errors, json } from './route-helpers.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

const Failure = z.object({
  message: z.string(),
  code: z.string().optional(),
  statusCode: z.number().optional(),
  at: z.string(),
})

/** One circuit as `CircuitBreakers.list()` gives it. */
export const CircuitSchema = z
  .object({
    key: z.string().describe('provider, or provider@baseURL'),
    provider: z.string(),
    baseURL: z.string().optional(),
    state: z.enum(['closed', 'open', 'half-open']),
    consecutiveFailures: z.number(),
    window: z.object({ calls: z.number(), failures: z.number(), windowMs: z.number() }),
    openedAt: z.string().optional(),
    retryAt: z.string().optional(),
    opened: z.number(),
    lastFailure: Failure.optional(),
  })
  .meta({ id: 'Circuit' })

function breakersOf(server: ServerContext) {
  if (server.circuitBreakers === undefined) {
    throw new HttpError({
      type: 'not_found',
      message:
        'This server has no circuit breakers (createServer({ circuitBreakers: createCircuitBreakers() })).',
    })
  }
  return server.circuitBreakers
}

/** Adds the circuit breaker routes. */
export function registerCircuitRoutes(app: OpenAPIHono<ServerEnv>, server: ServerContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/admin/circuits',
      tags: ['admin'],
      summary: 'The circuit breakers of the providers (admin)',
      security: BEARER,
      responses: {
        200: json(z.object({ circuits: z.array(CircuitSchema) }), 'Circuits'),
        ...errors(404, ...AUTH_ERRORS),
      },
    }),
    (context) => {
      requireScope(context.get('principal'), 'admin')
      return context.json({ circuits: breakersOf(server).list() }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/admin/circuits/{key}/reset',
      tags: ['admin'],
      summary: 'Close a circuit breaker at once (admin): the next call goes to the provider',
      security: BEARER,
      request: { params: z.object({ key: z.string().min(1).max(2048) }) },
      responses: {
        200: json(CircuitSchema, 'The circuit, closed'),
        ...errors(404, 422, ...AUTH_ERRORS),
      },
    }),
    (context) => {
      requireScope(context.get('principal'), 'admin')
      const breakers = breakersOf(server)
      const { key } = context.req.valid('param')
      const circuit = breakers.list().find((entry) => entry.key === key)
      if (circuit === undefined) throw notFound('circuit', key)
      breakers.reset(key)
      context.get('logger').warn({ circuit: key, was: circuit.state }, 'circuit reset by an admin')
      return context.json(breakers.list().find((entry) => entry.key === key) ?? circuit, 200)
    },
  )
}
