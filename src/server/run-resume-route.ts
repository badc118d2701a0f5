/**
 * `POST /api/runs/{runId}/resume`, one route for the two kinds of stopped run that continue:
 * - a run paused for input (`awaiting_input`, or a workflow in `needs_review`: a workflow's human
 *   node) takes `{ input }`, checked by its runnable before anything is stored (422 naming what is
 *   wrong); the route answers once the answer is stored;
 * - a failed run (one a budget stopped, typically) continues from its last checkpoint once its
 *   budgets allow; `maxTokens` gives it a new token budget.
 * Agent runs waiting for tool approvals use `POST /api/runs/{runId}/approvals` instead.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { describeError } from '../errors/describe-error.js'
import { AgentLoopError } from '../errors/errors.js'
import { isRunnableSnapshot } from '../run/runnable-journal.js'
import type { RunCheckpoint, RunRecord } from '../storage/run-repository.js'
import type { JsonValue } from '../util/json.js'
import { HttpError } from './http-error.js'
import type { Ownership } from './ownership.js'
import { type Principal, requireScope } from './principal.js'
import { AUTH_ERRORS, BEARER, errors, Id, json, jsonBody, MaxTokens } from './route-helpers.js'
import { refuseWhileDraining } from './run-launcher.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

const ResumeRun = z
  .object({
    input: z
      .unknown()
      .optional()
      .describe(
        'For a run paused for input: the answer; for a workflow, an object keyed by the id of each node that waits. Not allowed for a failed run.',
      ),
    maxTokens: MaxTokens.optional().describe('A new token budget for the run (its whole life)'),
  })
  .strict()
  .meta({ id: 'ResumeRun' })
const RunParam = z.object({ runId: Id })
const PAUSED = new Set(['awaiting_input', 'needs_review'])
/** How long a resume with input waits to see its answer stored before it answers 202 anyway. */
const STORE_WAIT_MS = 5_000

type Logger = { warn(details: object, message: string): void }

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
  const { server, findRun } = deps
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/resume',
      tags: ['runs'],
      summary:
        'Continue a run paused for input (with its answer) or a failed run (a run a budget stopped, once the budget allows)',
      description:
        'A run with status awaiting_input (or a workflow run in needs_review) takes `input`: it is checked before anything is stored (422 naming what is wrong), stored with the run, and the run continues from its checkpoint in whichever process takes it. A failed run continues from its last checkpoint (no `input`); `maxTokens` sets a new token budget, and a budget still spent answers 429. Agent runs waiting for tool approvals use POST /api/runs/{runId}/approvals.',
      security: BEARER,
      request: { params: RunParam, ...jsonBody(ResumeRun) },
      responses: {
        202: json(z.object({ runId: z.string(), status: z.string() }), 'Continuing'),
        ...errors(400, 404, 409, 415, 422, 429, 503, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      refuseWhileDraining(server)
      const { runId } = context.req.valid('param')
      const record = await findRun(principal, runId)
      const body = context.req.valid('json')
      const logger = context.get('logger')
      if (PAUSED.has(record.status)) {
        const checkpoint = await server.storage.runs.load(runId)
        if (checkpoint !== null && isRunnableSnapshot(checkpoint.snapshot)) {
          const status = await answerPausedRun(deps, { principal, checkpoint, input: body.input, logger })
          return context.json({ runId, status }, 202)
        }
      }
      if (record.status === 'failed') {
        if (body.input !== undefined) {
          throw new HttpError({
            type: 'invalid_request',
            field: 'body.input',
            message: `body.input: run "${runId}" failed; it continues from its checkpoint without input (leave input out).`,
          })
        }
        await resumeFailedRun(deps, { principal, runId, maxTokens: body.maxTokens, logger })
        return context.json({ runId, status: 'running' }, 202)
      }
      throw new HttpError({
        type: 'conflict',
        message:
          record.status === 'awaiting_approval' || PAUSED.has(record.status)
            ? `Run "${runId}" is an agent's run (${record.status}); decide its tool calls with POST /api/runs/${runId}/approvals.`
            : `Run "${runId}" is ${record.status}; only a run paused with awaiting_input (or a workflow in needs_review) or a failed run continues here.`,
      })
    },
  )
}

type Deps = Parameters<typeof registerRunResumeRoute>[1]

/** Checks and stores the answer of a paused runnable, and continues it; returns the stored status. */
async function answerPausedRun(
  deps: Deps,
  options: { principal: Principal; checkpoint: RunCheckpoint; input: unknown; logger: Logger },
): Promise<string> {
  const { server, holdSlot } = deps
  const { checkpoint, principal, logger } = options
  const { record, snapshot } = checkpoint
  const runId = record.runId
  if (options.input === undefined || !isRunnableSnapshot(snapshot)) {
    throw new HttpError({
      type: 'invalid_request',
      field: 'body.input',
      message: `body.input: required: run "${runId}" waits for an answer, e.g. { "<nodeId>": <answer> }.`,
    })
  }
  const input = options.input as JsonValue
  const entry = server.runtime.runnables.get(record.agentName)
  try {
    if (entry?.kind === 'custom') {
      entry.runnable.checkInput?.(structuredClone(input), {
        state: structuredClone(snapshot.state),
        request: structuredClone(snapshot.request),
        parts: structuredClone(checkpoint.parts),
      })
    }
  } catch (error) {
    throw new HttpError({
      type: 'invalid_request',
      field: 'body.input',
      message: `body.input: ${describeError(error).message}`,
    })
  }
  const track = holdSlot(principal, runId)
  const resumed = server.runtime.resume(runId, { input })
  track(resumed)
  // Answer once the input is stored (the record moves on), or with the error that stopped it.
  const watching = new AbortController()
  const outcome = await Promise.race([
    resumed.then(
      () => 'ended' as const,
      (error: unknown) => ({ error }),
    ),
    moved(server, runId, record.revision, watching.signal),
  ]).finally(() => watching.abort())
  if (typeof outcome === 'object') {
    // It failed: before its input was stored (nothing changed), or as it ran (it moved on).
    const now = await server.storage.runs.get(runId)
    if (now === null || now.revision === record.revision) {
      // The runtime's refusals (resumed or cancelled meanwhile, not registered here) are
      // conflicts with the run's state; anything else is the server's own failure.
      if (!(outcome.error instanceof AgentLoopError)) throw outcome.error
      throw new HttpError({ type: 'conflict', message: describeError(outcome.error).message })
    }
  }
  resumed.catch((error: unknown) => logger.warn({ runId, err: describeError(error) }, 'resumed run failed'))
  return (await server.storage.runs.get(runId))?.status ?? 'queued'
}

/** Continues a failed run once its budgets allow (429 otherwise; nothing changes then). */
async function resumeFailedRun(
  deps: Deps,
  options: { principal: Principal; runId: string; maxTokens: number | undefined; logger: Logger },
): Promise<void> {
  const { server, ownership, holdSlot } = deps
  const { principal, runId, maxTokens } = options
  const spend = server.spend
  if (spend !== undefined) {
    const charged = (await spend.budgets.attribution(runId)) ?? {
      runId,
      owner: await ownership.ownerOf('run', runId),
      keyId: principal.keyId,
    }
    const next = { ...charged, ...(maxTokens === undefined ? {} : { maxTokens }) }
    await spend.admit(next)
    await spend.attribute(next)
  }
  const track = holdSlot(principal, runId)
  const resumed = server.runtime.resume(runId)
  resumed.catch((error: unknown) =>
    options.logger.warn({ runId, err: describeError(error) }, 'resumed run failed'),
  )
  track(resumed)
}

/** Resolves `'moved'` once the run's stored revision is past `revision` (or after a while, or on abort). */
async function moved(
  server: ServerContext,
  runId: string,
  revision: number,
  signal: AbortSignal,
): Promise<'moved' | 'unknown'> {
  const deadline = Date.now() + STORE_WAIT_MS
  while (Date.now() < deadline && !signal.aborted) {
    const record = await server.storage.runs.get(runId)
    if (record !== null && record.revision !== revision) return 'moved'
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return 'unknown'
}
