/**
 * `POST /api/runs/{runId}/resume`: a failed run (one a budget stopped, typically) continues from
 * its last checkpoint once its budgets allow; `maxTokens` gives it a new token budget.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { describeError } from '../errors/describe-error.js'
import type { RunRecord } from '../storage/run-repository.js'
import { HttpError } from './http-error.js'
import type { Ownership } from './ownership.js'
import { type Principal, requireScope } from './principal.js'
import { AUTH_ERRORS, BEARER, errors, Id, json, jsonBody, MaxTokens } from './route-helpers.js'
import { refuseWhileDraining } from './run-launcher.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

const ResumeRun = z
  .object({ maxTokens: MaxTokens.optional().describe('A new token budget for the run (its whole life)') })
  .strict()
  .meta({ id: 'ResumeRun' })
const RunParam = z.object({ runId: Id })

/** Adds the resume route. */
export function registerRunResumeRoute(
  app: OpenAPIHono<ServerEnv>,
  deps: {
    server: ServerContext
    ownership: Ownership
    findRun: (principal: Principal, runId: string) => Promise<RunRecord>
    holdSlot: (principal: Principal, runId: string) => (started: Promise<unknown>) => void
  },
): void {
  const { server, ownership, findRun, holdSlot } = deps
  const runtime = server.runtime
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/resume',
      tags: ['runs'],
      summary:
        'Continue a failed run from its last checkpoint (a run a budget stopped, once the budget allows)',
      security: BEARER,
      request: { params: RunParam, ...jsonBody(ResumeRun) },
      responses: {
        202: json(z.object({ runId: z.string(), status: z.literal('running') }), 'Continuing'),
        ...errors(400, 404, 409, 415, 422, 503, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      refuseWhileDraining(server)
      const { runId } = context.req.valid('param')
      const record = await findRun(principal, runId)
      if (record.status !== 'failed') {
        throw new HttpError({
          type: 'conflict',
          message: `Run "${runId}" is ${record.status}; only a failed run is resumed here (a paused one takes POST /api/runs/${runId}/approvals).`,
        })
      }
      const { maxTokens } = context.req.valid('json')
      const spend = server.spend
      if (spend !== undefined) {
        const charged = (await spend.budgets.attribution(runId)) ?? {
          runId,
          owner: await ownership.ownerOf('run', runId),
          keyId: principal.keyId,
        }
        const next = { ...charged, ...(maxTokens === undefined ? {} : { maxTokens }) }
        // Refused (429) while a budget of the run is still spent; nothing changes then.
        await spend.admit(next)
        await spend.attribute(next)
      }
      const track = holdSlot(principal, runId)
      const resumed = runtime.resume(runId)
      resumed.catch((error: unknown) =>
        context.get('logger').warn({ runId, err: describeError(error) }, 'resumed run failed'),
      )
      track(resumed)
      return context.json({ runId, status: 'running' as const }, 202)
    },
  )
}
