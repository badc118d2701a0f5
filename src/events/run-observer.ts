import type { RunEvent } from './run-event.js'

/** Trace context as it travels with a queued run: W3C `traceparent` (and `tracestate`). */
export type TraceCarrier = Record<string, string>

/**
 * Observes every event of every run of a `Runtime` (`new Runtime({ observers: [...] })`), whether
 * the run is streamed, submitted to a queue or neither: tracing (`agentloop/otel`) and metrics are
 * fed from here. `observe` is called synchronously, in order, after a durable run has stored the
 * event and before anyone else is told; it must be quick and must not throw (an exception is
 * caught and ignored so that an observer can never break a run). The event is the one delivered
 * to streams: do not change it.
 */
export interface RunObserver {
  observe(event: RunEvent): void
  /**
   * The trace context to carry with a submitted run (called by `runtime.submit`, in the caller's
   * context); the queue job takes it to the worker. Return `undefined` for none.
   */
  injectContext?(): TraceCarrier | undefined
  /** Runs `fn` in the context a carrier describes (a worker executing a queued run). */
  withContext?<T>(carrier: TraceCarrier, fn: () => T): T
}
