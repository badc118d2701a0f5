import type { MeterProvider, TracerProvider } from '@opentelemetry/api'
import { checkOptionKeys, checkOptionsObject } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { RunObserver } from '../events/run-observer.js'
import type { StepEvent } from '../steps/step-event.js'
import type { WorkflowEvent } from '../workflows/workflow-event.js'
import { type ContentOptions, createContentPolicy } from './content-policy.js'
import { JobTranslator } from './job-spans.js'
import { requireOtelApi } from './otel-api.js'
import { createOtelBackend } from './otel-backend.js'
import { type RunLikeEvent, RunTranslator } from './run-spans.js'
import { type SpanBackend, SpanWriter } from './span-writer.js'
import type { TraceSink } from './trace-event.js'
import { injectTraceContext, withTraceContext } from './trace-context.js'
import { type WorkflowLikeEvent, WorkflowTranslator } from './workflow-spans.js'

/** Options of {@link createTracing}. */
export interface TracingOptions extends ContentOptions {
  /**
   * Write OpenTelemetry spans and metrics (default `true`; needs `@opentelemetry/api` 1.9.x and an
   * SDK you configure). `false` feeds only `sinks`.
   */
  openTelemetry?: boolean
  /** Where spans go (default: the global one, `trace.getTracerProvider()`, which the SDK's `register()` sets). */
  tracerProvider?: TracerProvider
  /** Where the GenAI metrics go (default: the global one); `false` records no metrics. */
  meterProvider?: MeterProvider | false
  /** Your own backends: each receives every span start, span event and span end. */
  sinks?: readonly TraceSink[]
}

/** Any event tracing understands: of agent runs, LLM function calls, step jobs and workflows. */
export type TracedEvent = RunLikeEvent | StepEvent | WorkflowEvent

/**
 * Tracing for everything agentloop runs. Give it to a runtime as an observer, and to step jobs,
 * workflows and LLM functions as their `onEvent`.
 */
export interface Tracing extends RunObserver {
  /** Turns one event into spans; bound, so `onEvent: tracing.observe` works. Never throws. */
  readonly observe: (event: TracedEvent) => void
}

const OPTION_KEYS = [
  'openTelemetry',
  'tracerProvider',
  'meterProvider',
  'sinks',
  'captureContent',
  'secrets',
  'redact',
  'maxContentLength',
] as const

/**
 * Creates the tracing of a process: OpenTelemetry spans on the GenAI conventions (`invoke_agent`,
 * `chat`, `execute_tool`, `invoke_workflow`, nodes, steps, function attempts) and the GenAI client
 * metrics, and/or the same records handed to your own {@link TraceSink}s.
 *
 * @example
 * const tracing = createTracing({ captureContent: false })
 * const runtime = new Runtime({ observers: [tracing] })
 * await job.run({ onEvent: tracing.observe })
 */
export function createTracing(options: TracingOptions = {}): Tracing {
  const where = 'createTracing(options)'
  checkOptionsObject(options, where)
  checkOptionKeys(options, OPTION_KEYS, where, {})
  const content = createContentPolicy(options, where)
  const sinks: TraceSink[] = []
  let backend: SpanBackend | undefined
  if (options.openTelemetry !== false) {
    if (options.openTelemetry !== undefined && options.openTelemetry !== true) {
      throw new ConfigError({ message: `${where}: openTelemetry must be true or false.` })
    }
    const api = requireOtelApi(where)
    const tracerProvider = options.tracerProvider ?? api.trace.getTracerProvider()
    if (typeof tracerProvider?.getTracer !== 'function') {
      throw new ConfigError({
        message: `${where}: tracerProvider must be an OpenTelemetry TracerProvider (such as new BasicTracerProvider({ spanProcessors }) from @opentelemetry/sdk-trace-base).`,
      })
    }
    const meterProvider =
      options.meterProvider === false ? undefined : (options.meterProvider ?? api.metrics.getMeterProvider())
    if (meterProvider !== undefined && typeof meterProvider.getMeter !== 'function') {
      throw new ConfigError({
        message: `${where}: meterProvider must be an OpenTelemetry MeterProvider (such as new MeterProvider({ readers }) from @opentelemetry/sdk-metrics), or false.`,
      })
    }
    backend = createOtelBackend(
      api,
      tracerProvider.getTracer('agentloop'),
      meterProvider?.getMeter('agentloop'),
    )
  }
  if (options.sinks !== undefined && !Array.isArray(options.sinks)) {
    throw new ConfigError({ message: `${where}: sinks must be an array of { trace(event) } objects.` })
  }
  for (const [index, sink] of (options.sinks ?? []).entries()) {
    if (typeof sink?.trace !== 'function') {
      throw new ConfigError({ message: `${where}: sinks[${index}] has no trace(event) method.` })
    }
    sinks.push(sink)
  }
  if (backend === undefined && sinks.length === 0) {
    throw new ConfigError({
      message: `${where}: openTelemetry is false and there are no sinks, so nothing would be recorded. Pass sinks: [yourSink] or leave openTelemetry on.`,
    })
  }
  const spans = new SpanWriter(backend, sinks)
  const runs = new RunTranslator(spans, content)
  const jobs = new JobTranslator(spans, content)
  const workflows = new WorkflowTranslator(spans, content, runs)
  const observe = (event: TracedEvent) => {
    const type = event.type
    // Most events of a run are deltas, which make no span: they leave first.
    if (type === 'text.delta' || type === 'reasoning.delta' || type === 'tool.args.delta') {
      if ((event as { nodeId?: unknown }).nodeId === undefined) return
    }
    try {
      if ((event as { nodeId?: unknown }).nodeId !== undefined || type.startsWith('workflow.')) {
        workflows.observe(event as WorkflowLikeEvent)
      } else if ((event as { jobId?: unknown }).jobId !== undefined) {
        jobs.observe(event as StepEvent)
      } else {
        const runId = (event as RunLikeEvent).runId
        const parent =
          type === 'run.start' ? (event as RunLikeEvent & { type: 'run.start' }).parent : undefined
        // An agent node's run goes under its node's span (else under its workflow's run).
        const node =
          parent !== undefined && 'nodeId' in parent
            ? workflows.nodeSpan(parent.runId, parent.nodeId)
            : undefined
        runs.observe(event as RunLikeEvent, runId, node)
        if (type === 'run.end') workflows.release(runId)
      }
    } catch {
      // Tracing never breaks what it observes.
    }
  }
  if (backend === undefined) return { observe }
  return {
    observe,
    // A submitted run carries the caller's trace context to its worker (runtime.submit).
    injectContext: () => {
      const carrier = injectTraceContext({})
      return carrier.traceparent === undefined ? undefined : { ...carrier }
    },
    withContext: (carrier, fn) => withTraceContext(carrier, fn),
  }
}
