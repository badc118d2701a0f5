/**
 * What tracing produces, without OpenTelemetry: a span starts, something happens inside it, it
 * ends. `createTracing({ sinks: [...] })` hands these records to your own `TraceSink`; the
 * OpenTelemetry exporter is fed the very same records.
 *
 * @module
 */

/** An attribute value (OpenTelemetry's primitive and string-array values). */
export type TraceAttributeValue = string | number | boolean | string[]

/** Attributes of a span or span event, by name (see `attributes.ts` for every name). */
export type TraceAttributes = Record<string, TraceAttributeValue>

/** A span begins. `parentSpanId` is absent for a root (OpenTelemetry then uses the active context). */
export interface SpanStartTrace {
  type: 'span.start'
  spanId: string
  parentSpanId?: string
  /** `invoke_agent triage`, `chat gpt-5-mini`, `execute_tool lookup`, `node classify`... */
  name: string
  /** `client` for model calls (a request to another service), `internal` otherwise. */
  kind: 'internal' | 'client'
  attributes: TraceAttributes
  /** Milliseconds since the epoch (the event's `time`). */
  time: number
}

/** Something happened inside an open span: a retry, a checkpoint, a compaction, an approval request. */
export interface SpanEventTrace {
  type: 'span.event'
  spanId: string
  name: string
  attributes: TraceAttributes
  time: number
}

/** A span ends, with the attributes learned on the way (usage, finish reasons, status). */
export interface SpanEndTrace {
  type: 'span.end'
  spanId: string
  name: string
  attributes: TraceAttributes
  status: 'ok' | 'error'
  /** For `status: 'error'`: the error's type (class name or `tool_error`) and its redacted message. */
  error?: { type: string; message: string }
  time: number
}

/** Any trace record. */
export type TraceEvent = SpanStartTrace | SpanEventTrace | SpanEndTrace

/**
 * Your own tracing backend. `trace` is called synchronously, in order, for every record; keep it
 * quick (queue the work) and do not throw: an exception is caught and ignored. Records are
 * read-only: some attribute objects are shared between records (frozen), so copy before changing.
 */
export interface TraceSink {
  trace(event: TraceEvent): void
}
