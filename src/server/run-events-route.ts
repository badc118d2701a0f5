/**
 * `GET /api/runs/{runId}/events`: a run's events as server-sent events. `id:` is the event's seq;
 * the stored log after `Last-Event-ID` (or `?after=`) comes first, then the live events, up to
 * `run.end`, with keep-alive comments; a disconnect cancels the run only with
 * `?cancelOnDisconnect=true`.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import { describeError } from '../errors/describe-error.js'
import type { RunEvent } from '../events/run-event.js'
import type { RunRecord } from '../storage/run-repository.js'
import { eventStream } from './event-stream.js'
import { type Principal, requireScope } from './principal.js'
import type { RouteOptions } from './register-api-routes.js'
import { AUTH_ERRORS, BEARER, errors, Id } from './route-helpers.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

const RunParam = z.object({ runId: Id })
const encoder = new TextEncoder()

/**
 * Each event as SSE bytes, made once however many clients watch the run (the in-process bus
 * hands the same event object to every subscriber). JSON has no raw newline, so one `data:` line.
 */
const frames = new WeakMap<RunEvent, Uint8Array>()
function eventFrame(event: RunEvent): Uint8Array {
  let frame = frames.get(event)
  if (frame === undefined) {
    frame = encoder.encode(
      `id: ${event.seq}\nevent: ${event.type.replace(/[\r\n]/g, ' ')}\ndata: ${JSON.stringify(event)}\n\n`,
    )
    frames.set(event, frame)
  }
  return frame
}

/** Adds the events route. */
export function registerRunEventsRoute(
  app: OpenAPIHono<ServerEnv>,
  deps: {
    server: ServerContext
    findRun: (principal: Principal, runId: string) => Promise<RunRecord>
    options: RouteOptions
  },
): void {
  const { server, findRun, options } = deps
  const runtime = server.runtime
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/runs/{runId}/events',
      tags: ['runs'],
      summary:
        'The run’s events as SSE: the stored log after Last-Event-ID (or ?after=), then live, up to run.end',
      description:
        'Each event: `id:` its seq, `event:` its type, `data:` the event as JSON. Reconnect with Last-Event-ID (or ?after=) to continue with no gap and no duplicate. Keep-alive comments every sseKeepAliveMs. A disconnect leaves the run running unless ?cancelOnDisconnect=true.',
      security: BEARER,
      request: {
        params: RunParam,
        query: z.object({
          after: z.coerce.number().int().min(0).optional(),
          cancelOnDisconnect: z.enum(['true', 'false']).optional(),
        }),
        headers: z.object({
          'last-event-id': z
            .string()
            .regex(/^\d{1,15}$/, 'a seq: digits')
            .optional(),
        }),
      },
      responses: {
        200: {
          description: 'text/event-stream of run events',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        ...errors(404, 422, ...AUTH_ERRORS),
      },
    }),
    async (context) => {
      const principal = context.get('principal')
      requireScope(principal, 'read')
      const { runId } = context.req.valid('param')
      await findRun(principal, runId)
      const query = context.req.valid('query')
      const header = context.req.valid('header')['last-event-id']
      const after = header !== undefined ? Number(header) : (query.after ?? 0)
      const cancelOnDisconnect = query.cancelOnDisconnect === 'true'
      return eventStream(
        context,
        {
          keepAliveMs: options.sseKeepAliveMs,
          shutdown: options.shutdown,
          onDisconnect: () => {
            if (cancelOnDisconnect) void runtime.cancel(runId).catch(() => {})
          },
        },
        async (writer) => {
          const events: AsyncIterable<RunEvent> = runtime.events(runId, { after, signal: writer.signal })
          try {
            for await (const event of events) {
              if (!(await writer.frame(eventFrame(event)))) break
            }
          } catch (error) {
            if (!writer.closed) await writer.comment(`error: ${describeError(error).message}`)
          }
        },
      )
    },
  )
}
