/**
 * The runtime's observers (tracing): checked once, shown every event of every run, and asked for
 * the trace context a submitted run carries through the queue to its worker.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { RunObserver, TraceCarrier } from '../events/run-observer.js'
import type { EventSink } from './checkpointer.js'

/** The observers of `new Runtime({ observers })`, checked; `undefined` when there are none. */
export function checkObservers(observers: unknown): readonly RunObserver[] | undefined {
  if (observers === undefined) return undefined
  if (!Array.isArray(observers)) {
    throw new ConfigError({
      message:
        'Runtime: observers must be an array of { observe(event) } objects, such as [createTracing()].',
    })
  }
  for (const [index, observer] of observers.entries()) {
    if (typeof (observer as RunObserver | undefined)?.observe !== 'function') {
      throw new ConfigError({
        message: `Runtime: observers[${index}] has no observe(event) method; pass objects such as createTracing() from agentloop/otel.`,
      })
    }
  }
  return observers.length === 0 ? undefined : [...(observers as RunObserver[])]
}

/** A sink that shows each event to the observers first (they cannot break the run), then delivers it. */
export function observed(observers: readonly RunObserver[] | undefined, sink: EventSink): EventSink
export function observed(
  observers: readonly RunObserver[] | undefined,
  sink: EventSink | undefined,
): EventSink | undefined
export function observed(
  observers: readonly RunObserver[] | undefined,
  sink: EventSink | undefined,
): EventSink | undefined {
  if (observers === undefined) return sink
  return (event) => {
    for (const observer of observers) {
      try {
        observer.observe(event)
      } catch {
        // An observer never breaks a run (documented on RuntimeOptions.observers).
      }
    }
    return sink?.(event)
  }
}

/** The trace context of the caller, for a run about to be queued (the first observer that gives one). */
export function injectContext(observers: readonly RunObserver[] | undefined): TraceCarrier | undefined {
  if (observers === undefined) return undefined
  for (const observer of observers) {
    try {
      const carrier = observer.injectContext?.()
      if (carrier !== undefined && Object.keys(carrier).length > 0) return carrier
    } catch {
      // Tracing never stops a submit.
    }
  }
  return undefined
}

/** Runs `fn` in the context a queued run carries (the first observer that can restore it). */
export function withContext<T>(
  observers: readonly RunObserver[] | undefined,
  carrier: TraceCarrier | undefined,
  fn: () => T,
): T {
  if (observers === undefined || carrier === undefined) return fn()
  const observer = observers.find((candidate) => typeof candidate.withContext === 'function')
  if (observer?.withContext === undefined) return fn()
  return observer.withContext(carrier, fn)
}
