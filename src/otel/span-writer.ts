import type { TraceAttributes, TraceEvent, TraceSink } from './trace-event.js'

/** How a span ends. */
export interface SpanEnding {
  attributes?: TraceAttributes
  error?: { type: string; message: string } | undefined
  time: number
}

/** A span the translators hold while it is open. */
export interface OpenSpan {
  /** Unique within one tracing; numbered, made a string only for the sinks' records. */
  readonly spanId: number
  readonly name: string
  /** Children still open when this span ends are ended first. */
  children: OpenSpan[] | undefined
  ended: boolean
  /** The OpenTelemetry backend's own handle for this span. */
  handle: unknown
}

/**
 * A backend that keeps its own handle per span (OpenTelemetry keeps its `Span` and `Context`), so
 * it needs no lookup by id: the writer hands the parent's handle back on each call.
 */
export interface SpanBackend {
  start(parent: unknown, name: string, kind: 'internal' | 'client', attributes: TraceAttributes): unknown
  event(handle: unknown, name: string, attributes: TraceAttributes): void
  end(handle: unknown, attributes: TraceAttributes | undefined, error: SpanEnding['error']): void
}

/**
 * The one place spans open and close, for every translator: each span gets a fresh id (a resumed
 * run opens a new span), the backend (OpenTelemetry) and the `TraceSink`s are told in order, and a
 * span that ends first ends its children still open, so a run that fails mid-call leaves no span
 * dangling. Neither a backend nor a sink can break what is traced: their exceptions are ignored.
 */
export class SpanWriter {
  readonly #backend: SpanBackend | undefined
  readonly #sinks: readonly TraceSink[]
  #next = 0

  constructor(backend: SpanBackend | undefined, sinks: readonly TraceSink[]) {
    this.#backend = backend
    this.#sinks = sinks
  }

  start(
    parent: OpenSpan | undefined,
    name: string,
    kind: 'internal' | 'client',
    attributes: TraceAttributes,
    time: number,
  ): OpenSpan {
    const span: OpenSpan = {
      spanId: ++this.#next,
      name,
      children: undefined,
      ended: false,
      handle: undefined,
    }
    if (parent !== undefined) {
      if (parent.children === undefined) parent.children = [span]
      else {
        // A long run keeps few ended children around: they are dropped now and then.
        if (parent.children.length >= 64) parent.children = parent.children.filter((child) => !child.ended)
        parent.children.push(span)
      }
    }
    if (this.#backend !== undefined) {
      try {
        span.handle = this.#backend.start(parent?.handle, name, kind, attributes)
      } catch {
        // A backend never breaks a run.
      }
    }
    if (this.#sinks.length > 0) {
      const record: TraceEvent = {
        type: 'span.start',
        spanId: `${span.spanId}`,
        name,
        kind,
        attributes,
        time,
      }
      if (parent !== undefined) record.parentSpanId = `${parent.spanId}`
      this.#tell(record)
    }
    return span
  }

  event(span: OpenSpan | undefined, name: string, attributes: TraceAttributes, time: number): void {
    if (span === undefined || span.ended) return
    if (this.#backend !== undefined) {
      try {
        this.#backend.event(span.handle, name, attributes)
      } catch {
        // A backend never breaks a run.
      }
    }
    if (this.#sinks.length > 0)
      this.#tell({ type: 'span.event', spanId: `${span.spanId}`, name, attributes, time })
  }

  /** Ends the span, and first its open children (with the same error); an ended span is ignored. */
  end(span: OpenSpan | undefined, ending: SpanEnding): void {
    if (span === undefined || span.ended) return
    span.ended = true
    if (span.children !== undefined) {
      for (const child of span.children) {
        if (!child.ended) this.end(child, { time: ending.time, error: ending.error })
      }
      span.children = undefined
    }
    if (this.#backend !== undefined) {
      try {
        this.#backend.end(span.handle, ending.attributes, ending.error)
      } catch {
        // A backend never breaks a run.
      }
    }
    if (this.#sinks.length > 0) {
      const record: TraceEvent = {
        type: 'span.end',
        spanId: `${span.spanId}`,
        name: span.name,
        attributes: ending.attributes ?? {},
        status: ending.error === undefined ? 'ok' : 'error',
        time: ending.time,
      }
      if (ending.error !== undefined) record.error = ending.error
      this.#tell(record)
    }
  }

  #tell(record: TraceEvent): void {
    for (const sink of this.#sinks) {
      try {
        sink.trace(record)
      } catch {
        // A sink never breaks a run (documented on TraceSink).
      }
    }
  }
}
