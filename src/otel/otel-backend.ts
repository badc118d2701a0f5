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
  context: Context
  /** Set for model calls when metrics are on: what the metrics need. */
  started: number
  metric: TraceAttributes | undefined
}

/**
 * Spans as OpenTelemetry spans, and the GenAI client metrics. A root span is a child of the
 * context active when it starts (an incoming request's span, a queue job's extracted
 * `traceparent`); the others are children of their parent's span. Each model call also records
 * `gen_ai.client.token.usage` (input and output tokens) and `gen_ai.client.operation.duration`.
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

  const recordMetrics = (handle: OtelHandle, end: TraceAttributes, errorType: string | undefined) => {
    // Low cardinality only: no ids, no content.
    const attributes: TraceAttributes = { ...(handle.metric as TraceAttributes) }
    const responseModel = end[GEN_AI.RESPONSE_MODEL]
    if (typeof responseModel === 'string' && responseModel !== '')
      attributes[GEN_AI.RESPONSE_MODEL] = responseModel
    if (errorType === undefined) duration?.record((performance.now() - handle.started) / 1000, attributes)
    else
      duration?.record((performance.now() - handle.started) / 1000, {
        ...attributes,
        [ERROR_TYPE]: errorType,
      })
    const input = end[GEN_AI.USAGE_INPUT_TOKENS]
    const output = end[GEN_AI.USAGE_OUTPUT_TOKENS]
    if (typeof input === 'number') tokenUsage?.record(input, { ...attributes, [GEN_AI.TOKEN_TYPE]: 'input' })
    if (typeof output === 'number')
      tokenUsage?.record(output, { ...attributes, [GEN_AI.TOKEN_TYPE]: 'output' })
  }

  return {
    start(parent, name, kind, attributes) {
      const parentContext = (parent as OtelHandle | undefined)?.context ?? api.context.active()
      const span = tracer.startSpan(
        name,
        { kind: kind === 'client' ? CLIENT : INTERNAL, attributes },
        parentContext,
      )
      const handle: OtelHandle = {
        span,
        context: api.trace.setSpan(parentContext, span),
        started: 0,
        metric: undefined,
      }
      if (meter !== undefined && attributes[GEN_AI.OPERATION_NAME] === OPERATION.CHAT) {
        handle.started = performance.now()
        handle.metric = {
          [GEN_AI.OPERATION_NAME]: OPERATION.CHAT,
          [GEN_AI.PROVIDER_NAME]: attributes[GEN_AI.PROVIDER_NAME] as string,
          [GEN_AI.REQUEST_MODEL]: attributes[GEN_AI.REQUEST_MODEL] as string,
        }
      }
      return handle
    },
    event(handle, name, attributes) {
      ;(handle as OtelHandle | undefined)?.span.addEvent(name, attributes)
    },
    end(handle, attributes, error) {
      if (handle === undefined) return
      const { span, metric } = handle as OtelHandle
      span.setAttributes(attributes)
      if (error !== undefined) {
        span.setAttribute(ERROR_TYPE, error.type)
        span.recordException({ name: error.type, message: error.message })
        span.setStatus({ code: ERROR, message: error.message })
      }
      if (metric !== undefined) recordMetrics(handle as OtelHandle, attributes, error?.type)
      span.end()
    },
  }
}
