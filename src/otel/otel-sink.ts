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
import type { TraceAttributes, TraceEvent, TraceSink } from './trace-event.js'

interface OpenOtelSpan {
  span: Span
  context: Context
  /** Set for model calls: what the metrics need. */
  metric?: { started: number; attributes: TraceAttributes }
}

/** The attributes the GenAI metrics carry (low cardinality: no ids, no content). */
const METRIC_ATTRIBUTES = [GEN_AI.OPERATION_NAME, GEN_AI.PROVIDER_NAME, GEN_AI.REQUEST_MODEL]

/**
 * The trace records as OpenTelemetry spans and GenAI metrics. A root record becomes a child of
 * the context active when the run started (an incoming request's span, a queue job's extracted
 * `traceparent`); the others are children of their parent's span. Model calls also record
 * `gen_ai.client.token.usage` (input and output tokens) and `gen_ai.client.operation.duration`.
 */
export function createOtelSink(api: OtelApi, tracer: Tracer, meter: Meter | undefined): TraceSink {
  const open = new Map<string, OpenOtelSpan>()
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
  const recordMetrics = (
    metric: NonNullable<OpenOtelSpan['metric']>,
    end: TraceAttributes,
    errorType: string | undefined,
  ) => {
    const attributes: TraceAttributes = {}
    for (const name of METRIC_ATTRIBUTES) {
      const value = metric.attributes[name]
      if (value !== undefined) attributes[name] = value
    }
    const responseModel = end[GEN_AI.RESPONSE_MODEL]
    if (typeof responseModel === 'string' && responseModel !== '')
      attributes[GEN_AI.RESPONSE_MODEL] = responseModel
    duration?.record(
      (performance.now() - metric.started) / 1000,
      errorType === undefined ? attributes : { ...attributes, [ERROR_TYPE]: errorType },
    )
    const input = end[GEN_AI.USAGE_INPUT_TOKENS]
    const output = end[GEN_AI.USAGE_OUTPUT_TOKENS]
    if (typeof input === 'number') tokenUsage?.record(input, { ...attributes, [GEN_AI.TOKEN_TYPE]: 'input' })
    if (typeof output === 'number')
      tokenUsage?.record(output, { ...attributes, [GEN_AI.TOKEN_TYPE]: 'output' })
  }

  return {
    trace(event: TraceEvent) {
      switch (event.type) {
        case 'span.start': {
          const parent =
            (event.parentSpanId === undefined ? undefined : open.get(event.parentSpanId)?.context) ??
            api.context.active()
          const span = tracer.startSpan(
            event.name,
            {
              kind: event.kind === 'client' ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL,
              attributes: event.attributes,
            },
            parent,
          )
          const entry: OpenOtelSpan = { span, context: api.trace.setSpan(parent, span) }
          if (event.attributes[GEN_AI.OPERATION_NAME] === OPERATION.CHAT && meter !== undefined) {
            entry.metric = { started: performance.now(), attributes: event.attributes }
          }
          open.set(event.spanId, entry)
          return
        }
        case 'span.event':
          open.get(event.spanId)?.span.addEvent(event.name, event.attributes)
          return
        case 'span.end': {
          const entry = open.get(event.spanId)
          if (entry === undefined) return
          open.delete(event.spanId)
          const { span } = entry
          span.setAttributes(event.attributes)
          if (event.error !== undefined) {
            span.setAttribute(ERROR_TYPE, event.error.type)
            span.recordException({ name: event.error.type, message: event.error.message })
            span.setStatus({ code: api.SpanStatusCode.ERROR, message: event.error.message })
          }
          if (entry.metric !== undefined) recordMetrics(entry.metric, event.attributes, event.error?.type)
          span.end()
          return
        }
        default:
          event satisfies never
      }
    },
  }
}
