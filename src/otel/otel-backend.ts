import type { Context, Histogram, Meter, Span, Tracer } from '@opentelemetry/api'
import {
  ERROR_TYPE,
  GEN_AI,
  METRIC,
  OPERATION,
  OPERATION_DURATION_BUCKETS,
  TOKEN_USAGE_BUCKETS,
} from './attributes.js'
import type { OtelApi } from './otel-api.js'
import type { SpanBackend } from './span-writer.js'
import type { TraceAttributes } from './trace-event.js'

interface OtelHandle {
  span: Span
  /** The context the span started in; its own context is made only when a child needs it. */
  parent: Context
  context: Context | undefined
  /** Model calls with metrics on: when the call started, and the span's start attributes. */
  started: number
  chat: TraceAttributes | undefined
}

/** The attribute sets of one model's metric points, made once and reused (the SDK copies nothing). */
interface MetricAttributes {
  duration: TraceAttributes
  input: TraceAttributes
  output: TraceAttributes
}

/** Distinct (response model, error) combinations kept per model before its cache starts over. */
const MAX_METRIC_SETS = 64

/**
 * Spans as OpenTelemetry spans, and the GenAI client metrics. A root span is a child of the
 * context active when it starts (an incoming request's span, a queue job's extracted
 * `traceparent`); the others are children of their parent's span. Each model call also records
 * `gen_ai.client.token.usage` (input and output tokens) and `gen_ai.client.operation.duration`.
 *
 * Made for a hot path: a span's context is built only when a child starts under it, and the
 * metric points of a model reuse one frozen attribute set instead of building three per call.
 */
export function createOtelBackend(api: OtelApi, tracer: Tracer, meter: Meter | undefined): SpanBackend {
  const tokenUsage: Histogram | undefined = meter?.createHistogram(METRIC.TOKEN_USAGE, {
    description: 'Number of input and output tokens used per model call.',
    unit: '{token}',
    advice: { explicitBucketBoundaries: TOKEN_USAGE_BUCKETS },
  })
  const duration: Histogram | undefined = meter?.createHistogram(METRIC.OPERATION_DURATION, {
    description: 'Duration of model calls.',
    unit: 's',
    advice: { explicitBucketBoundaries: OPERATION_DURATION_BUCKETS },
  })
  const { CLIENT, INTERNAL } = api.SpanKind
  const ERROR = api.SpanStatusCode.ERROR
  // By the chat span's start attributes (one object per model: run-spans.ts caches them), then
  // by response model and error type.
  const metricSets = new WeakMap<TraceAttributes, Map<string, MetricAttributes>>()

  /** Low cardinality only: no ids, no content. */
  const metricAttributes = (
    chat: TraceAttributes,
    responseModel: string | undefined,
    errorType: string | undefined,
  ): MetricAttributes => {
    let byResponse = metricSets.get(chat)
    if (byResponse === undefined) {
      byResponse = new Map()
      metricSets.set(chat, byResponse)
    }
    const key = errorType === undefined ? (responseModel ?? '') : `${responseModel ?? ''}\n${errorType}`
    let found = byResponse.get(key)
    if (found === undefined) {
      const base: TraceAttributes = {
        [GEN_AI.OPERATION_NAME]: OPERATION.CHAT,
        [GEN_AI.PROVIDER_NAME]: chat[GEN_AI.PROVIDER_NAME] as string,
        [GEN_AI.REQUEST_MODEL]: chat[GEN_AI.REQUEST_MODEL] as string,
      }
      if (responseModel !== undefined) base[GEN_AI.RESPONSE_MODEL] = responseModel
      found = {
        duration: Object.freeze(errorType === undefined ? base : { ...base, [ERROR_TYPE]: errorType }),
        input: Object.freeze({ ...base, [GEN_AI.TOKEN_TYPE]: 'input' }),
        output: Object.freeze({ ...base, [GEN_AI.TOKEN_TYPE]: 'output' }),
      }
      if (byResponse.size >= MAX_METRIC_SETS) byResponse.clear()
      byResponse.set(key, found)
    }
    return found
  }

  const recordMetrics = (handle: OtelHandle, end: TraceAttributes, errorType: string | undefined) => {
    const responseModel = end[GEN_AI.RESPONSE_MODEL]
    const sets = metricAttributes(
      handle.chat as TraceAttributes,
      typeof responseModel === 'string' && responseModel !== '' ? responseModel : undefined,
      errorType,
    )
    duration?.record((performance.now() - handle.started) / 1000, sets.duration)
    const input = end[GEN_AI.USAGE_INPUT_TOKENS]
    const output = end[GEN_AI.USAGE_OUTPUT_TOKENS]
    if (typeof input === 'number') tokenUsage?.record(input, sets.input)
    if (typeof output === 'number') tokenUsage?.record(output, sets.output)
  }

  return {
    start(parent, name, kind, attributes) {
      const parentHandle = parent as OtelHandle | undefined
      let parentContext: Context
      if (parentHandle === undefined) parentContext = api.context.active()
      else {
        parentHandle.context ??= api.trace.setSpan(parentHandle.parent, parentHandle.span)
        parentContext = parentHandle.context
      }
      const span = tracer.startSpan(
        name,
        { kind: kind === 'client' ? CLIENT : INTERNAL, attributes },
        parentContext,
      )
      const handle: OtelHandle = {
        span,
        parent: parentContext,
        context: undefined,
        started: 0,
        chat: undefined,
      }
      if (meter !== undefined && kind === 'client' && attributes[GEN_AI.OPERATION_NAME] === OPERATION.CHAT) {
        handle.started = performance.now()
        handle.chat = attributes
      }
      return handle
    },
    event(handle, name, attributes) {
      ;(handle as OtelHandle | undefined)?.span.addEvent(name, attributes)
    },
    end(handle, attributes, error) {
      if (handle === undefined) return
      const otel = handle as OtelHandle
      const span = otel.span
      if (attributes !== undefined) span.setAttributes(attributes)
      if (error !== undefined) {
        span.setAttribute(ERROR_TYPE, error.type)
        span.recordException({ name: error.type, message: error.message })
        span.setStatus({ code: ERROR, message: error.message })
      }
      if (otel.chat !== undefined) recordMetrics(otel, attributes ?? {}, error?.type)
      span.end()
    },
  }
}
