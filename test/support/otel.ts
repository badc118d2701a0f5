// OpenTelemetry test setup: an in-memory span exporter, a metric reader collected on demand, and a
// context manager on AsyncLocalStorage (the SDK's base package registers none), so spans started
// inside `context.with(...)` see their parent as they would under the Node SDK.
import { AsyncLocalStorage } from 'node:async_hooks'
import { type Context, type ContextManager, context, ROOT_CONTEXT } from '@opentelemetry/api'
import { type MetricData, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'

class AsyncLocalContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>()
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    active: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(active, () => fn.call(thisArg, ...args))
  }
  bind<T>(active: Context, target: T): T {
    if (typeof target !== 'function') return target
    const manager = this
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(active, () => (target as (...a: unknown[]) => unknown).apply(this, args))
    } as T
  }
  enable(): this {
    return this
  }
  disable(): this {
    this.#storage.disable()
    return this
  }
}

let registered = false
/** Registers the AsyncLocalStorage context manager once per test process. */
export function useContextManager(): void {
  if (registered) return
  registered = true
  context.setGlobalContextManager(new AsyncLocalContextManager())
}

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A tracer provider exporting to memory and a meter provider read on demand. */
export function createOtelTestKit() {
  useContextManager()
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const reader = new CollectingReader()
  const meterProvider = new MeterProvider({ readers: [reader] })
  return {
    tracerProvider,
    meterProvider,
    exporter,
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    span(name: string): ReadableSpan {
      const found = exporter.getFinishedSpans().filter((span) => span.name === name)
      if (found.length !== 1) {
        throw new Error(
          `expected one span "${name}", found ${found.length} among ${exporter
            .getFinishedSpans()
            .map((span) => span.name)
            .join(', ')}`,
        )
      }
      return found[0] as ReadableSpan
    },
    async metrics(): Promise<MetricData[]> {
      const { resourceMetrics } = await reader.collect()
      return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)
    },
  }
}

/** The parent span id of a span (SDK 2: `parentSpanContext`). */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId
}

/** Every attribute value and event attribute of every span, as one string (for "never appears" checks). */
export function dumpSpans(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((span) => ({
      name: span.name,
      attributes: span.attributes,
      events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
      status: span.status,
    })),
  )
}
