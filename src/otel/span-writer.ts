import type { TraceAttributes, TraceEvent } from './trace-event.js'

/** How a span ends. */
export interface SpanEnding {
  attributes?: TraceAttributes
  error?: { type: string; message: string }
  time: number
}

interface OpenSpan {
  spanId: string
  name: string
  parentKey: string | undefined
  children: Set<string>
}

/**
 * The bookkeeping behind every span: spans are addressed by a key the translators derive from
 * the events (`run:<id>`, `run:<id>/tool/<callId>`...), get a fresh span id each time they open
 * (a resumed run opens a new span under the same key), and a span that ends first ends its
 * children that are still open, so no span is left dangling when a run fails mid-call.
 */
export class SpanWriter {
  readonly #open = new Map<string, OpenSpan>()
  readonly #emit: (event: TraceEvent) => void
  #next = 0

  constructor(emit: (event: TraceEvent) => void) {
    this.#emit = emit
  }

  has(key: string): boolean {
    return this.#open.has(key)
  }

  start(
    key: string,
    span: {
      parentKey?: string | undefined
      name: string
      kind?: 'internal' | 'client'
      attributes: TraceAttributes
      time: number
    },
  ): void {
    // A key still open (an event stream that lost its end) is closed before it is reused.
    if (this.#open.has(key)) this.end(key, { time: span.time })
    const parent = span.parentKey === undefined ? undefined : this.#open.get(span.parentKey)
    const spanId = `${++this.#next}`
    this.#open.set(key, { spanId, name: span.name, parentKey: parent && span.parentKey, children: new Set() })
    parent?.children.add(key)
    const event: TraceEvent = {
      type: 'span.start',
      spanId,
      name: span.name,
      kind: span.kind ?? 'internal',
      attributes: span.attributes,
      time: span.time,
    }
    if (parent !== undefined) event.parentSpanId = parent.spanId
    this.#emit(event)
  }

  event(key: string, name: string, attributes: TraceAttributes, time: number): void {
    const span = this.#open.get(key)
    if (span !== undefined) this.#emit({ type: 'span.event', spanId: span.spanId, name, attributes, time })
  }

  /** Ends the span (and first its open children, with the same error); unknown keys are ignored. */
  end(key: string, ending: SpanEnding): void {
    const span = this.#open.get(key)
    if (span === undefined) return
    for (const child of span.children) {
      this.end(child, {
        time: ending.time,
        ...(ending.error === undefined ? {} : { error: ending.error }),
      })
    }
    this.#open.delete(key)
    if (span.parentKey !== undefined) this.#open.get(span.parentKey)?.children.delete(key)
    const event: TraceEvent = {
      type: 'span.end',
      spanId: span.spanId,
      name: span.name,
      attributes: ending.attributes ?? {},
      status: ending.error === undefined ? 'ok' : 'error',
      time: ending.time,
    }
    if (ending.error !== undefined) event.error = ending.error
    this.#emit(event)
  }
}
