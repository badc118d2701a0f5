import type { RunEvent } from './run-event.js'

/**
 * Observes every event of every run of a `Runtime` (`new Runtime({ observers: [...] })`), whether
 * the run is streamed or not: tracing (`agentloop/otel`) and metrics are fed from here. `observe`
 * is called synchronously, in order, after a durable run has stored the event and before anyone
 * else is told; it must be quick and must not throw (an exception is caught and ignored so that an
 * observer can never break a run). The event is the one delivered to streams: do not change it.
 */
export interface RunObserver {
  observe(event: RunEvent): void
}
