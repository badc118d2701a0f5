/**
 * OpenTelemetry tracing and metrics for agentloop, on the GenAI semantic conventions, and the
 * same records for your own backend without OpenTelemetry (`TraceSink`). W3C trace context
 * helpers carry a trace through a queue or into a server.
 *
 * Needs the optional peer `@opentelemetry/api` 1.9.x for OpenTelemetry output (not for sinks).
 *
 * @example
 * import { createTracing } from 'agentloop/otel'
 * const tracing = createTracing()          // spans to the global tracer provider your SDK registered
 * const runtime = new Runtime({ observers: [tracing] })
 *
 * @module
 */
export { AGENTLOOP, ERROR_TYPE, GEN_AI, METRIC, OPERATION, SPAN_EVENT } from './attributes.js'
export type { ContentOptions } from './content-policy.js'
export { createTracing, type TracedEvent, type Tracing, type TracingOptions } from './create-tracing.js'
export {
  type CarrierInput,
  extractTraceContext,
  formatTraceparent,
  injectTraceContext,
  parseTraceparent,
  type TraceCarrier,
  withTraceContext,
} from './trace-context.js'
export type {
  SpanEndTrace,
  SpanEventTrace,
  SpanStartTrace,
  TraceAttributes,
  TraceAttributeValue,
  TraceEvent,
  TraceSink,
} from './trace-event.js'
export { type LangfuseOptions, langfuseExporterOptions } from './langfuse.js'
