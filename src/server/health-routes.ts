/**
 * Health: `/health/live` (the process answers; no I/O), `/health/ready` (storage and the other
 * configured dependencies answer, and the server is not shutting down: 503 otherwise), `/health`
 * (the details, for people). Public, never rate limited.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { CircuitSchema } from './circuit-routes.js'
import { json } from './route-helpers.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() })
const Health = z
  .object({
    status: z.enum(['ok', 'unavailable', 'draining']),
    checks: z.record(z.string(), Check),
    storage: z.string(),
    uptimeSeconds: z.number(),
    circuits: z
      .array(CircuitSchema)
      .optional()
      .describe(
        'The circuit breakers of the providers (when configured); an open one does not fail the check',
      ),
  })
  .meta({ id: 'Health' })

const READY_TIMEOUT_MS = 2_000

async function check(probe: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS)
      }),
    ])
    return { ok: true, latencyMs: Math.round(performance.now() - started) }
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message.slice(0, 200) : 'failed',
    }
  } finally {
    clearTimeout(timer)
  }
}

async function report(server: ServerContext): Promise<z.infer<typeof Health>> {
  const probes: Record<string, () => Promise<unknown>> = {
    // A read of a run that does not exist: one round trip to the store.
    storage: () => server.storage.runs.get('agentloop-readiness-probe'),
    ...server.readinessChecks,
  }
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => [name, await check(probe)] as const),
  )
  const checks = Object.fromEntries(entries)
  const healthy = entries.every(([, result]) => result.ok)
  return {
    status: server.draining ? 'draining' : healthy ? 'ok' : 'unavailable',
    checks,
    storage: server.storage.backend,
    uptimeSeconds: Math.round((Date.now() - server.startedAt) / 1000),
    ...(server.circuitBreakers === undefined ? {} : { circuits: server.circuitBreakers.list() }),
  }
}

/** Adds the health routes. */
export function registerHealthRoutes(app: OpenAPIHono<ServerEnv>, server: ServerContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health/live',
      tags: ['health'],
      summary: 'Liveness: the process answers',
      responses: { 200: json(z.object({ status: z.literal('ok') }), 'Alive') },
    }),
    (context) => context.json({ status: 'ok' as const }, 200),
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health/ready',
      tags: ['health'],
      summary: 'Readiness: storage (and Redis when configured) reachable, not shutting down',
      responses: { 200: json(Health, 'Ready'), 503: json(Health, 'Not ready') },
    }),
    async (context) => {
      const body = await report(server)
      return body.status === 'ok' ? context.json(body, 200) : context.json(body, 503)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['health'],
      summary: 'Health details (same checks as readiness)',
      responses: { 200: json(Health, 'Healthy'), 503: json(Health, 'Unhealthy or draining') },
    }),
    async (context) => {
      const body = await report(server)
      return body.status === 'ok' ? context.json(body, 200) : context.json(body, 503)
    },
  )
}
