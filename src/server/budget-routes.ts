/**
 * Budgets of owners and keys: `GET|PUT|DELETE /api/owners/{owner}/budget` and
 * `/api/keys/{keyId}/budget`. Admins set and remove them (audited, with the limits before and
 * after); an owner's keys read their owner's budget and their own, with what is spent so far.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { audit, mayReach, SERVER_AUDIT_EVENTS } from './audit-trail.js'
import { BUDGET_LIMITS, type Budget } from './budget-store.js'
import { HttpError, notFound } from './http-error.js'
import { type Principal, requireScope } from './principal.js'
import { AUTH_ERRORS, BEARER, errors, Id, json, jsonBody } from './route-helpers.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'
import type { Spend } from './spend.js'
import { periodOf, totalKey } from './usage-ledger.js'
import { spendOf } from './usage-routes.js'

const Owner = z.string().regex(/^[A-Za-z0-9._@:-]{1,128}$/, '1 to 128 letters, digits or . _ @ : -')
const Limit = z.number().nonnegative().max(1e15)
const Limits = z
  .object({
    tokensPerDay: Limit.optional().describe('Input + output tokens per UTC day'),
    tokensPerMonth: Limit.optional().describe('Input + output tokens per UTC month'),
    costPerDay: Limit.optional().describe('Cost per UTC day, in the price table’s currency'),
    costPerMonth: Limit.optional().describe('Cost per UTC month'),
  })
  .strict()
  .meta({ id: 'BudgetLimits' })
const BudgetView = z
  .object({
    scope: z.enum(['owner', 'key']),
    id: z.string(),
    tokensPerDay: z.number().optional(),
    tokensPerMonth: z.number().optional(),
    costPerDay: z.number().optional(),
    costPerMonth: z.number().optional(),
    updatedAt: z.number(),
    updatedBy: z.string(),
    standing: z.array(
      z.object({ limit: z.enum(BUDGET_LIMITS), value: z.number(), used: z.number(), resetsAt: z.number() }),
    ),
  })
  .meta({ id: 'Budget' })

type Scope = 'owner' | 'key'

/** A budget with what is spent in each of its periods now. */
async function withStanding(spend: Spend, budget: Budget) {
  const now = Date.now()
  const standing = []
  for (const name of BUDGET_LIMITS) {
    const value = budget[name]
    if (value === undefined) continue
    const period = name.endsWith('Day') ? ('day' as const) : ('month' as const)
    const total = await spend.ledger.total(totalKey(budget.scope, budget.id, period, now))
    standing.push({
      limit: name,
      value,
      used: name.startsWith('tokens') ? total.tokens : total.cost,
      resetsAt: periodOf(period, now).endsAt,
    })
  }
  return { ...budget, standing }
}

/** Adds the budget routes. */
export function registerBudgetRoutes(app: OpenAPIHono<ServerEnv>, server: ServerContext): void {
  /** The owner of a budget's subject, or null when there is none (404). */
  const ownerOf = async (scope: Scope, id: string, principal: Principal): Promise<string | null> => {
    if (scope === 'owner') return id
    if (id === principal.keyId) return principal.owner
    const configured = server.configuredOwners.get(id)
    if (configured !== undefined) return configured
    return (await server.keys.get(id))?.owner ?? null
  }
  /** Checks the caller may reach the subject (its owner's, or admin: audited); 404 otherwise. */
  const reach = async (scope: Scope, id: string, principal: Principal, action: string) => {
    const owner = await ownerOf(scope, id, principal)
    const what = scope === 'owner' ? 'owner' : 'API key'
    if (owner === null) throw notFound(what, id)
    if (!(await mayReach(server.storage, principal, { kind: `${scope} budget`, id, owner, action }))) {
      throw notFound(`budget of ${what}`, id)
    }
  }

  for (const scope of ['owner', 'key'] as const) {
    const path = scope === 'owner' ? '/api/owners/{owner}/budget' : '/api/keys/{keyId}/budget'
    const params = scope === 'owner' ? z.object({ owner: Owner }) : z.object({ keyId: Id })
    const idOf = (param: { owner?: string; keyId?: string }) => (param.owner ?? param.keyId) as string
    const tag = scope === 'owner' ? "an owner's" : "an API key's"

    app.openapi(
      createRoute({
        method: 'get',
        path,
        tags: ['budgets'],
        summary: `Get ${tag} budget and what is spent in its periods`,
        security: BEARER,
        request: { params },
        responses: { 200: json(BudgetView, 'The budget'), ...errors(404, 422, ...AUTH_ERRORS) },
      }),
      async (context) => {
        const principal = context.get('principal')
        requireScope(principal, 'read')
        const spend = spendOf(server)
        const id = idOf(context.req.valid('param'))
        await reach(scope, id, principal, 'read')
        const budget = await spend.budgets.get(scope, id)
        if (budget === null) throw notFound(`budget of ${scope === 'owner' ? 'owner' : 'API key'}`, id)
        await spend.flush()
        return context.json(await withStanding(spend, budget), 200)
      },
    )
    app.openapi(
      createRoute({
        method: 'put',
        path,
        tags: ['budgets'],
        summary: `Set ${tag} budget (admin): replaces its limits`,
        security: BEARER,
        request: { params, ...jsonBody(Limits) },
        responses: { 200: json(BudgetView, 'The budget'), ...errors(400, 404, 415, 422, ...AUTH_ERRORS) },
      }),
      async (context) => {
        const principal = context.get('principal')
        requireScope(principal, 'admin')
        const spend = spendOf(server)
        const id = idOf(context.req.valid('param'))
        const limits = context.req.valid('json')
        if (Object.keys(limits).length === 0) {
          throw new HttpError({
            type: 'invalid_request',
            field: 'body',
            message: `body: give at least one of ${BUDGET_LIMITS.join(', ')}; DELETE ${path.replace(/\{.*\}/, id)} removes the budget.`,
          })
        }
        await reach(scope, id, principal, 'set')
        const { budget, previous } = await spend.budgets.put(scope, id, limits, principal.keyId)
        await audit(server.storage, {
          eventType: SERVER_AUDIT_EVENTS.budgetSet,
          action: `set the budget of ${scope} "${id}"`,
          actor: principal,
          details: { scope, id, limits, previous: previous === null ? null : limitsOf(previous) },
        })
        return context.json(await withStanding(spend, budget as Budget), 200)
      },
    )
    app.openapi(
      createRoute({
        method: 'delete',
        path,
        tags: ['budgets'],
        summary: `Remove ${tag} budget (admin): no limit applies any more`,
        security: BEARER,
        request: { params },
        responses: {
          200: json(
            z.object({ scope: z.enum(['owner', 'key']), id: z.string(), deleted: z.literal(true) }),
            'Removed',
          ),
          ...errors(404, 422, ...AUTH_ERRORS),
        },
      }),
      async (context) => {
        const principal = context.get('principal')
        requireScope(principal, 'admin')
        const spend = spendOf(server)
        const id = idOf(context.req.valid('param'))
        await reach(scope, id, principal, 'remove')
        const previous = await spend.budgets.delete(scope, id)
        if (previous === null) throw notFound(`budget of ${scope === 'owner' ? 'owner' : 'API key'}`, id)
        await audit(server.storage, {
          eventType: SERVER_AUDIT_EVENTS.budgetRemoved,
          action: `removed the budget of ${scope} "${id}"`,
          actor: principal,
          details: { scope, id, previous: limitsOf(previous) },
        })
        return context.json({ scope, id, deleted: true as const }, 200)
      },
    )
  }
}

function limitsOf(budget: Budget): Record<string, number> {
  return Object.fromEntries(
    BUDGET_LIMITS.flatMap((name) => (budget[name] === undefined ? [] : [[name, budget[name] as number]])),
  )
}
