/**
 * `GET /api/usage`: the caller's owner's token usage and cost in a time window, grouped by model,
 * key, session, run or day (admins: any owner, or all of them).
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { mayReach } from './audit-trail.js'
import { HttpError } from './http-error.js'
import { requireScope } from './principal.js'
import { AUTH_ERRORS, BEARER, errors, Id, json } from './route-helpers.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'
import type { Spend } from './spend.js'
import { periodOf } from './usage-ledger.js'
import { USAGE_GROUPS, usageReport } from './usage-report.js'

const Time = z
  .union([z.iso.datetime({ offset: true }), z.string().regex(/^\d{1,15}$/)])
  .describe('ISO 8601 time, or ms since the epoch')
const Sums = {
  calls: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number(),
  cost: z.number().describe('Cost of the priced calls, in the price table’s currency'),
  unpricedCalls: z.number().describe('Calls of models without a price (not in cost)'),
}
const UsageReport = z
  .object({
    from: z.number(),
    to: z.number(),
    groupBy: z.enum(USAGE_GROUPS),
    owner: z.string().nullable(),
    totals: z.object(Sums),
    groups: z.array(z.object({ key: z.string(), ...Sums })),
    truncated: z.boolean().describe('More than 100,000 calls in the window: narrow it'),
  })
  .meta({ id: 'UsageReport' })

const toMs = (value: string) => (/^\d+$/.test(value) ? Number(value) : Date.parse(value))

/** The spend of a server, or a 404 saying how to turn it on. */
export function spendOf(server: ServerContext): Spend {
  if (server.spend === undefined) {
    throw new HttpError({
      type: 'not_found',
      message:
        'This server records no usage and keeps no budgets: start it with createServer({ spend }) (agentloop serve does).',
    })
  }
  return server.spend
}

/** Adds `GET /api/usage`. */
export function registerUsageRoutes(app: OpenAPIHono<ServerEnv>, server: ServerContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/usage',
      tags: ['usage'],
      summary: 'Token usage and cost of your owner in a time window, grouped (admin: any owner)',
      description:
        'Default window: the current UTC month up to now. groupBy: model (default), key, session, run, owner or day (UTC). Filters narrow to one key, session or run.',
      security: BEARER,
      request: {
        query: z.object({
          from: Time.optional(),
          to: Time.optional(),
          groupBy: z.enum(USAGE_GROUPS).optional(),
          owner: z.string().max(128).optional().describe('Admin: another owner; "*" for every owner'),
          keyId: Id.optional(),
          sessionId: Id.optional(),
          runId: Id.optional(),
        }),
      },
      responses: { 200: json(UsageReport, 'The report'), ...errors(404, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const spend = spendOf(server)
      const query = context.req.valid('query')
      const now = Date.now()
      const to = query.to === undefined ? now : toMs(query.to)
      const from =
        query.from === undefined ? periodOf('month', now).endsAt - monthLength(now) : toMs(query.from)
      if (!(from <= to)) {
        throw new HttpError({
          type: 'invalid_request',
          field: 'query.from',
          message: `query.from (${new Date(from).toISOString()}) must not be after query.to (${new Date(to).toISOString()}).`,
        })
      }
      const owner = query.owner ?? principal.owner
      if (owner !== principal.owner) {
        requireScope(principal, 'admin')
        await mayReach(server.storage, principal, { kind: 'usage', id: owner, owner, action: 'report' })
      }
      // Usage observed in this process is stored before it is reported.
      await spend.flush()
      const report = await usageReport(spend.ledger, {
        from,
        to,
        groupBy: query.groupBy ?? 'model',
        owner: owner === '*' ? undefined : owner,
        keyId: query.keyId,
        sessionId: query.sessionId,
        runId: query.runId,
      })
      return context.json(report, 200)
    },
  )
}

/** Milliseconds from the start of `time`'s UTC month to the start of the next. */
function monthLength(time: number): number {
  const date = new Date(time)
  return periodOf('month', time).endsAt - Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
}
