import type { Context, SpanContext } from '@opentelemetry/api'
import { requireOtelApi } from './otel-api.js'

/** The W3C trace context fields, as they travel in a queue job, a message or HTTP headers. */
export interface TraceCarrier {
  traceparent?: string
  tracestate?: string
}

/** Where {@link extractTraceContext} reads from: a plain object (a job's data, Node's headers) or `Headers`. */
export type CarrierInput =
  | TraceCarrier
  | Record<string, unknown>
  | { get(name: string): string | null }
  | undefined
  | null

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const MAX_TRACESTATE_LENGTH = 512

/**
 * Writes the active span's context (or `context`'s) into `carrier` as a W3C `traceparent` (and
 * `tracestate` when there is one), and returns the carrier. With no valid span active nothing is
 * written. Put the carrier into a queue job at submit time; the worker passes it to
 * {@link withTraceContext}, and the run becomes a child of the submitting span.
 *
 * @example
 * const job = { runId, input, trace: injectTraceContext({}) }
 */
export function injectTraceContext<T extends object = TraceCarrier>(
  carrier?: T,
  context?: Context,
): T & TraceCarrier {
  const api = requireOtelApi('injectTraceContext')
  const target = (carrier ?? {}) as T & TraceCarrier
  const spanContext = api.trace.getSpanContext(context ?? api.context.active())
  if (spanContext === undefined || !api.isSpanContextValid(spanContext)) return target
  target.traceparent = formatTraceparent(spanContext)
  const state = spanContext.traceState?.serialize()
  if (state !== undefined && state !== '') target.tracestate = state
  return target
}

/**
 * The context a carrier describes: `base` (default: the active context) with the remote span of
 * its `traceparent`. A missing or malformed `traceparent` (as the W3C spec says: wrong length,
 * upper-case or non-hex digits, version `ff`, an all-zero id) is ignored and `base` is returned.
 */
export function extractTraceContext(carrier: CarrierInput, base?: Context): Context {
  const api = requireOtelApi('extractTraceContext')
  const start = base ?? api.context.active()
  const traceparent = read(carrier, 'traceparent')
  const parsed = traceparent === undefined ? undefined : parseTraceparent(traceparent)
  if (parsed === undefined) return start
  const spanContext: SpanContext = { ...parsed, isRemote: true }
  const state = read(carrier, 'tracestate')
  if (state !== undefined && state.length <= MAX_TRACESTATE_LENGTH) {
    spanContext.traceState = api.createTraceState(state)
  }
  return api.trace.setSpanContext(start, spanContext)
}

/**
 * Runs `fn` inside the context a carrier describes: spans started in it (a run's `invoke_agent`)
 * are children of the carrier's span. A worker wraps each job's execution in it; a server wraps a
 * request that came with a `traceparent` header.
 *
 * @example
 * await withTraceContext(job.data.trace, () => runtime.run(agent, job.data.input))
 */
export function withTraceContext<T>(carrier: CarrierInput, fn: () => T): T {
  const api = requireOtelApi('withTraceContext')
  return api.context.with(extractTraceContext(carrier), fn)
}

/** A `traceparent` value's parts, or `undefined` when it is not a valid W3C `traceparent`. */
export function parseTraceparent(
  value: string,
): { traceId: string; spanId: string; traceFlags: number } | undefined {
  const match = TRACEPARENT.exec(value.trim())
  if (match === null) return undefined
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ]
  if (version === 'ff') return undefined
  // Version 00 has exactly four fields; later versions may append more, which we ignore.
  if (version === '00' && rest !== undefined) return undefined
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & 0xff }
}

/** A span context as a version-00 `traceparent`. */
export function formatTraceparent(
  spanContext: Pick<SpanContext, 'traceId' | 'spanId' | 'traceFlags'>,
): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0')
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`
}

function read(carrier: CarrierInput, name: string): string | undefined {
  if (carrier === undefined || carrier === null || typeof carrier !== 'object') return undefined
  if (typeof (carrier as { get?: unknown }).get === 'function') {
    return (carrier as { get(name: string): string | null }).get(name) ?? undefined
  }
  const record = carrier as Record<string, unknown>
  let value = record[name]
  if (value === undefined) {
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name)
    if (key !== undefined) value = record[key]
  }
  if (Array.isArray(value)) value = value[0]
  return typeof value === 'string' ? value : undefined
}
