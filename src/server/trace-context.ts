/**
 * Continues a caller's W3C trace context: a `POST` under `/api/` or `/v1/` that carries a
 * `traceparent` header (and `tracestate`) runs its handler inside that context, so the runs it
 * starts are children of the caller's span: chat and chat completions directly, submitted runs
 * (`POST /api/runs`) through the queue job, which carries the context to the worker, and resumed
 * runs (approvals). Nothing is added unless the runtime has an observer that can restore a context
 * (`createTracing()` with OpenTelemetry): the server itself does not import OpenTelemetry.
 *
 * @module
 */
import type { MiddlewareHandler } from 'hono'
import { withContext } from '../run/observe-runs.js'
import type { Runtime } from '../run/runtime.js'
import type { ServerEnv } from './server-env.js'

/** Longer headers are ignored (a version-00 `traceparent` is 55 characters; W3C caps `tracestate` at 512). */
const MAX_TRACEPARENT_LENGTH = 256
const MAX_TRACESTATE_LENGTH = 512

/** The middleware, or `undefined` when the runtime's observers cannot restore a trace context. */
export function continueTraceContext(runtime: Runtime): MiddlewareHandler<ServerEnv> | undefined {
  const observers = runtime.observers
  if (observers === undefined || !observers.some((observer) => typeof observer.withContext === 'function')) {
    return undefined
  }
  return async (context, next) => {
    if (context.req.method !== 'POST') return next()
    const traceparent = context.req.header('traceparent')
    if (traceparent === undefined || traceparent.length > MAX_TRACEPARENT_LENGTH) return next()
    const tracestate = context.req.header('tracestate')
    // A malformed value is ignored by the observer (the run starts a trace of its own).
    const carrier: Record<string, string> =
      tracestate === undefined || tracestate.length > MAX_TRACESTATE_LENGTH
        ? { traceparent }
        : { traceparent, tracestate }
    return withContext(observers, carrier, () => next())
  }
}
