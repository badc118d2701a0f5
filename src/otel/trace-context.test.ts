import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api'
import { Agent, Runtime } from 'agentloop'
import {
  createTracing,
  extractTraceContext,
  formatTraceparent,
  injectTraceContext,
  parseTraceparent,
  type TraceCarrier,
  withTraceContext,
} from 'agentloop/otel'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { createOtelTestKit, parentOf } from '../../test/support/otel.js'

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

describe('W3C trace context', () => {
  it('parses valid traceparents and refuses malformed ones', () => {
    expect(parseTraceparent(VALID)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
    })
    for (const bad of [
      '',
      'garbage',
      VALID.toUpperCase(),
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      `${VALID}-extra`,
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
    ]) {
      expect(parseTraceparent(bad), bad).toBeUndefined()
    }
    // A later version may append fields; they are ignored.
    expect(parseTraceparent(`01-${VALID.slice(3)}-what-ever`)?.spanId).toBe('00f067aa0ba902b7')
    expect(
      formatTraceparent({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED }),
    ).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`)
  })

  it('injects the active span into a carrier and extracts it back', () => {
    const kit = createOtelTestKit()
    const span = kit.tracerProvider.getTracer('t').startSpan('submit')
    const carrier = context.with(trace.setSpan(ROOT_CONTEXT, span), () => injectTraceContext({ runId: 'r1' }))
    expect(carrier).toEqual({
      runId: 'r1',
      traceparent: `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
    })
    const extracted = trace.getSpanContext(extractTraceContext(carrier, ROOT_CONTEXT))
    expect(extracted).toMatchObject({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      isRemote: true,
    })
    span.end()
    // No active span: nothing is written; a malformed traceparent is ignored.
    expect(context.with(ROOT_CONTEXT, () => injectTraceContext({}))).toEqual({})
    expect(extractTraceContext({ traceparent: 'nope' }, ROOT_CONTEXT)).toBe(ROOT_CONTEXT)
    expect(extractTraceContext(undefined, ROOT_CONTEXT)).toBe(ROOT_CONTEXT)
  })

  it('reads HTTP headers (Headers, or Node headers with any case) and keeps tracestate', () => {
    useKit()
    const fromHeaders = extractTraceContext(
      new Headers({ traceparent: VALID, tracestate: 'vendor=abc' }),
      ROOT_CONTEXT,
    )
    expect(trace.getSpanContext(fromHeaders)?.traceState?.get('vendor')).toBe('abc')
    const fromNode = extractTraceContext({ Traceparent: [VALID] }, ROOT_CONTEXT)
    expect(trace.getSpanContext(fromNode)?.spanId).toBe('00f067aa0ba902b7')
  })

  it('makes a worker run a child of the span that submitted it (carrier through a queue job)', async () => {
    const kit = createOtelTestKit()
    const tracing = createTracing({ tracerProvider: kit.tracerProvider, meterProvider: false })
    const runtime = new Runtime({ observers: [tracing] })
    const queue: { input: string; trace: TraceCarrier }[] = []
    // The submitting side: a request span is active when the job is enqueued.
    const submit = kit.tracerProvider.getTracer('server').startSpan('POST /api/runs')
    context.with(trace.setSpan(ROOT_CONTEXT, submit), () => {
      queue.push({ input: 'hi', trace: injectTraceContext({}) })
    })
    submit.end()
    // The worker side, in another context entirely (another process in production).
    const job = queue.shift() as (typeof queue)[number]
    await context.with(ROOT_CONTEXT, () =>
      withTraceContext(job.trace, () =>
        runtime.run(new Agent({ name: 'worker-agent', model: scriptedModel([{ text: 'ok' }]) }), job.input),
      ),
    )
    const run = kit.span('invoke_agent worker-agent')
    expect(run.spanContext().traceId).toBe(submit.spanContext().traceId)
    expect(parentOf(run)).toBe(submit.spanContext().spanId)
  })

  it('continues an incoming traceparent in a server handler', async () => {
    const kit = createOtelTestKit()
    const tracing = createTracing({ tracerProvider: kit.tracerProvider, meterProvider: false })
    const runtime = new Runtime({ observers: [tracing] })
    const request = new Request('http://localhost/api/chat', { headers: { traceparent: VALID } })
    await withTraceContext(request.headers, () =>
      runtime.run(new Agent({ name: 'served', model: scriptedModel([{ text: 'ok' }]) }), 'hi'),
    )
    const run = kit.span('invoke_agent served')
    expect(run.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    expect(parentOf(run)).toBe('00f067aa0ba902b7')
  })

  it("lets code that knows only the runtime (a server) continue a traceparent through the runtime's observers", async () => {
    const kit = createOtelTestKit()
    const runtime = new Runtime({
      observers: [createTracing({ tracerProvider: kit.tracerProvider, meterProvider: false })],
    })
    // What a server does with an incoming request: no agentloop/otel import, only the observer contract.
    const observer = runtime.observers?.find((candidate) => candidate.withContext !== undefined)
    const headers = new Headers({ traceparent: VALID })
    const carrier = { traceparent: headers.get('traceparent') ?? '' }
    const handle = () =>
      runtime.run(new Agent({ name: 'http', model: scriptedModel([{ text: 'ok' }]) }), 'hi')
    await (observer?.withContext === undefined ? handle() : observer.withContext(carrier, handle))
    expect(parentOf(kit.span('invoke_agent http'))).toBe('00f067aa0ba902b7')
    // Without tracing configured there is nothing to continue.
    expect(new Runtime().observers).toBeUndefined()
  })
})

function useKit() {
  createOtelTestKit()
}
