/**
 * Runs through the runtime's runner: submit (202 with the run id at once), get, list with filters
 * and cursor pagination, cancel, approvals, and the run's events as SSE (`id:` = `seq`, resumed
 * after `Last-Event-ID` or `?after=`, keep-alive comments, ends after `run.end`; a disconnect
 * cancels the run only with `?cancelOnDisconnect=true`).
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { describeError } from '../errors/describe-error.js'
import { Message } from '../messages/message-schema.js'
import type { RunResult } from '../run/run-result.js'
import { RUN_STATUSES, type RunRecord } from '../storage/run-repository.js'
import type { AgentCatalog } from './agent-catalog.js'
import { mayReach } from './audit-trail.js'
import { HttpError, notFound } from './http-error.js'
import { listOwnedRuns } from './owned-runs.js'
import type { Ownership } from './ownership.js'
import { type Principal, requireScope } from './principal.js'
import type { RouteOptions } from './register-api-routes.js'
import { AUTH_ERRORS, BEARER, errors, Id, json, jsonBody, MaxTokens, Name } from './route-helpers.js'
import { registerRunEventsRoute } from './run-events-route.js'
import { chargeRun, holdRunSlot, refuseWhileDraining } from './run-launcher.js'
import { registerRunResumeRoute } from './run-resume-route.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'
import { openSession } from './session-access.js'

const Status = z.enum([...RUN_STATUSES, 'queued'] as unknown as [string, ...string[]])
const Run = z
  .object({
    runId: z.string(),
    agent: z.string(),
    kind: z.string(),
    status: z.string(),
    sessionId: z.string().optional(),
    createdAt: z.number(),
    updatedAt: z.number(),
    output: z.unknown().optional(),
    usage: z.record(z.string(), z.number()).optional(),
    interruptions: z
      .array(z.object({ callId: z.string(), toolName: z.string(), arguments: z.unknown() }))
      .optional(),
    request: z
      .unknown()
      .optional()
      .describe('What a run paused with awaiting_input asks (a workflow: the nodes that wait)'),
    error: z.object({ name: z.string(), message: z.string() }).optional(),
  })
  .meta({ id: 'Run' })
const SubmitRun = z
  .object({
    agent: Name,
    input: z.union([
      z.string().min(1).max(200_000),
      z
        .array(Message.meta({ id: 'Message' }))
        .max(10_000)
        .describe('[] with sessionId: answer the session as it stands (after an edit or a regenerate)'),
    ]),
    sessionId: Id.optional().describe('Continue this session (its history comes before the input)'),
    maxTokens: MaxTokens.optional(),
  })
  .strict()
  .meta({ id: 'SubmitRun' })
const Approvals = z
  .object({
    approvals: z
      .array(
        z.object({ callId: Id, approve: z.boolean(), message: z.string().max(10_000).optional() }).strict(),
      )
      .min(1)
      .max(100),
  })
  .strict()
  .meta({ id: 'Approvals' })
const RunParam = z.object({ runId: Id })
/** Outcomes of ended runs kept in memory for `GET /api/runs/{runId}`. */
const ENDED_CACHE_SIZE = 1000

const TERMINAL = new Set([
  'completed',
  'failed',
  'cancelled',
  'awaiting_approval',
  'awaiting_input',
  'needs_review',
])

type RunOutcome =
  | (Pick<RunResult<unknown>, 'output' | 'usage' | 'interruptions'> & { request?: unknown })
  | { error: { name: string; message: string } }

function view(record: RunRecord, result?: RunOutcome) {
  return {
    runId: record.runId,
    agent: record.agentName,
    kind: record.kind,
    status: record.status,
    ...(record.sessionId === undefined ? {} : { sessionId: record.sessionId }),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(result === undefined
      ? {}
      : 'error' in result
        ? { error: result.error }
        : {
            ...(result.output === undefined ? {} : { output: result.output }),
            usage: { ...result.usage },
            ...(result.interruptions.length === 0 ? {} : { interruptions: result.interruptions }),
            ...(result.request === undefined ? {} : { request: result.request }),
          }),
  }
}

/** Adds the run routes. */
export function registerRunRoutes(
  app: OpenAPIHono<ServerEnv>,
  server: ServerContext,
  deps: { catalog: AgentCatalog; ownership: Ownership; options: RouteOptions },
): void {
  const { catalog, ownership, options } = deps
  const runtime = server.runtime
  const runs = server.storage.runs
  const ended = new Map<string, { revision: number; outcome: RunOutcome }>()

  /** A run the principal may reach; 404 otherwise (never 403). */
  const findRun = async (principal: Principal, runId: string): Promise<RunRecord> => {
    const record = await runs.get(runId)
    if (
      record === null ||
      !(await mayReach(server.storage, principal, {
        kind: 'run',
        id: runId,
        owner: await ownership.ownerOf('run', runId),
      }))
    )
      throw notFound('run', runId)
    return record
  }

  /**
   * The stored result of a run that ended or paused (no waiting). An ended run's `run.end` event
   * carries it (one read); a paused run's interruptions come from its checkpoint.
   */
  const resultOf = async (record: RunRecord): Promise<RunOutcome | undefined> => {
    if (!TERMINAL.has(record.status)) return undefined
    if (record.status === 'completed' || record.status === 'failed' || record.status === 'cancelled') {
      // An ended run's outcome is kept while its record says the same status and revision (a
      // resumed run changes both), bounded, oldest dropped first.
      const cached = ended.get(record.runId)
      if (cached !== undefined && cached.revision === record.revision) return cached.outcome
      const last = await runs.lastEventSeq(record.runId)
      const [end] = await runs.readEvents(record.runId, { afterSeq: Math.max(0, last - 1), limit: 1 })
      if (end?.type === 'run.end' && end.status === record.status) {
        const outcome: RunOutcome =
          end.error !== undefined
            ? { error: end.error }
            : { output: end.output, usage: end.usage, interruptions: [] }
        ended.set(record.runId, { revision: record.revision, outcome })
        if (ended.size > ENDED_CACHE_SIZE) ended.delete(ended.keys().next().value as string)
        return outcome
      }
    }
    try {
      return await runtime.wait(record.runId)
    } catch (error) {
      const described = describeError(error)
      return { error: { name: described.name, message: described.message } }
    }
  }

  /** Holds a run slot of the key until the run ends or pauses. */
  const holdSlot = (principal: Principal, runId: string) =>
    holdRunSlot({ server, shutdown: options.shutdown, principal, runId })

  registerRunEventsRoute(app, { server, findRun, options })

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs',
      tags: ['runs'],
      summary: 'Submit a run of an agent; answers 202 with its id at once',
      security: BEARER,
      request: jsonBody(SubmitRun),
      responses: {
        202: json(z.object({ runId: z.string(), sessionId: z.string().nullable() }), 'Submitted'),
        ...errors(400, 404, 415, 422, 503, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      refuseWhileDraining(server)
      const body = context.req.valid('json')
      if (Array.isArray(body.input) && body.input.length === 0 && body.sessionId === undefined) {
        throw new HttpError({
          type: 'invalid_request',
          field: 'body.input',
          message:
            'body.input: an empty list of messages needs a sessionId (the run then answers the session as it stands); give a message otherwise.',
        })
      }
      const entry = await catalog.get(body.agent)
      if (
        entry === null ||
        (entry.info.owner !== undefined &&
          !(await mayReach(server.storage, principal, {
            kind: 'agent',
            id: body.agent,
            owner: entry.info.owner,
          })))
      ) {
        throw new HttpError({
          type: 'not_found',
          field: 'body.agent',
          message: `There is no agent "${body.agent}".`,
        })
      }
      await catalog.register(entry)
      const sessionId =
        body.sessionId === undefined
          ? undefined
          : await openSession(server, ownership, principal, body.sessionId)
      await server.spend?.admit({ owner: principal.owner, keyId: principal.keyId })
      const runId = crypto.randomUUID()
      const track = holdSlot(principal, runId)
      let submitted: Promise<{ runId: string }>
      try {
        await ownership.record('run', runId, principal.owner)
        await chargeRun(server, { runId, principal, sessionId, maxTokens: body.maxTokens })
        submitted = runtime.submit(body.agent, body.input, {
          runId,
          ...(sessionId === undefined ? {} : { session: sessionId }),
        })
        track(submitted)
        await submitted
      } catch (error) {
        throw error instanceof HttpError
          ? error
          : new HttpError({ type: 'invalid_request', message: describeError(error).message })
      }
      context.header('Location', `/api/runs/${runId}`)
      return context.json({ runId, sessionId: sessionId ?? null }, 202)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs',
      tags: ['runs'],
      summary: 'List your owner’s runs, newest first, by cursor; filter by status, agent, session',
      security: BEARER,
      request: {
        query: z.object({
          status: Status.optional(),
          agent: Name.optional(),
          sessionId: Id.optional(),
          limit: z.coerce.number().int().min(1).max(200).optional().describe('Default 50'),
          cursor: z.string().max(1000).optional(),
        }),
      },
      responses: {
        200: json(z.object({ runs: z.array(Run), nextCursor: z.string().nullable() }), 'A page'),
        ...errors(422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const query = context.req.valid('query')
      const limit = query.limit ?? 50
      if (principal.scopes.includes('admin')) {
        // Every owner's runs: a cross-owner action, audited.
        await mayReach(server.storage, principal, { kind: 'runs', id: '*', owner: '*', action: 'list' })
        const page = await runs
          .page({
            kind: 'all',
            limit,
            ...(query.status === undefined ? {} : { status: query.status as RunRecord['status'] }),
            ...(query.agent === undefined ? {} : { agentName: query.agent }),
            ...(query.sessionId === undefined ? {} : { sessionId: query.sessionId }),
            ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
          })
          .catch((error: unknown) => {
            throw new HttpError({
              type: 'invalid_request',
              field: 'query.cursor',
              message: `query.cursor: ${describeError(error).message}`,
            })
          })
        return context.json(
          { runs: page.runs.map((record) => view(record)), nextCursor: page.nextCursor },
          200,
        )
      }
      const page = await listOwnedRuns({
        ownership,
        runs,
        owner: principal.owner,
        filter: query,
        limit,
        cursor: query.cursor,
      })
      return context.json({ runs: page.runs.map((record) => view(record)), nextCursor: page.nextCursor }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{runId}',
      tags: ['runs'],
      summary: 'Get a run: its status, and its output, usage, interruptions or error once it ends or pauses',
      security: BEARER,
      request: { params: RunParam },
      responses: { 200: json(Run, 'The run'), ...errors(404, 422, ...AUTH_ERRORS) },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const record = await findRun(principal, context.req.valid('param').runId)
      return context.json(view(record, await resultOf(record)), 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/cancel',
      tags: ['runs'],
      summary: 'Cancel a run wherever it executes',
      security: BEARER,
      request: { params: RunParam },
      responses: {
        200: json(z.object({ runId: z.string(), status: z.string() }), 'The status it had'),
        ...errors(404, 422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'run')
      const { runId } = context.req.valid('param')
      await findRun(principal, runId)
      const status = await runtime.cancel(runId)
      return context.json({ runId, status: String(status) }, 200)
    },
  )
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/runs/{runId}/approvals',
      tags: ['runs'],
      summary: 'Decide on the tool calls a paused run waits for; the run continues (202)',
      security: BEARER,
      request: { params: RunParam, ...jsonBody(Approvals) },
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
      if (record.status !== 'awaiting_approval' && record.status !== 'needs_review') {
        throw new HttpError({
          type: 'conflict',
          message: `Run "${runId}" is ${record.status}; only a paused run (awaiting_approval, needs_review) takes decisions.`,
        })
      }
      const result = await runtime.wait(runId)
      const pending = new Set(result.interruptions.map((entry) => entry.callId))
      const { approvals } = context.req.valid('json')
      for (const [index, decision] of approvals.entries()) {
        if (!pending.has(decision.callId)) {
          throw new HttpError({
            type: 'invalid_request',
            field: `body.approvals[${index}].callId`,
            message: `body.approvals[${index}].callId: run "${runId}" waits for no call "${decision.callId}"; it waits for ${[...pending].join(', ')}.`,
          })
        }
      }
      const track = holdSlot(principal, runId)
      const resumed = runtime.resume(runId, { approvals })
      resumed.catch((error: unknown) =>
        context.get('logger').warn({ runId, err: describeError(error) }, 'resumed run failed'),
      )
      track(resumed)
      return context.json({ runId, status: 'running' as const }, 202)
    },
  )
  registerRunResumeRoute(app, { server, ownership, findRun, holdSlot })
}
