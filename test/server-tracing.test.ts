// The server continues an incoming W3C traceparent: over real HTTP, the runs that POST routes start
// are children of the caller's span (chat, chat completions, and submitted runs through the queue).
import { Agent, createMemoryStorage, Runtime } from 'agentloop'
import { createTracing } from 'agentloop/otel'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { createOtelTestKit } from './support/otel.js'
import { startServer } from './support/server.js'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT_ID = '00f067aa0ba902b7'
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`

async function serve(options: { traced?: boolean } = {}) {
  const kit = createOtelTestKit()
  const model = scriptedModel(Array.from({ length: 8 }, (_, index) => ({ text: `answer ${index}` })))
  const agent = new Agent({ name: 'echo', model })
  const observers =
    options.traced === false
      ? []
      : [createTracing({ tracerProvider: kit.tracerProvider, meterProvider: false })]
  const runtime = new Runtime({ storage: createMemoryStorage(), agents: [agent], observers })
  const server = await startServer({ runtime, agents: [agent] })
  /** The finished run spans, once `count` of them ended. */
  const runSpans = async (count: number) => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const spans = kit.spans().filter((span) => span.name === 'invoke_agent echo')
      if (spans.length >= count) return spans
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(
      `expected ${count} run spans, saw ${kit
        .spans()
        .map((span) => span.name)
        .join(', ')}`,
    )
  }
  return { kit, server, runSpans }
}

describe('server: trace context', () => {
  it('makes the run of a chat, a streamed chat and a chat completion a child of the caller span', async () => {
    const { server, runSpans } = await serve()
    const headers = { traceparent: TRACEPARENT, tracestate: 'vendor=abc' }
    const chat = await server.request('/api/agents/echo/chat', { json: { message: 'hi' }, headers })
    expect(chat.status).toBe(200)
    const streamed = await server.request('/api/agents/echo/chat', {
      json: { message: 'hi', stream: true },
      headers,
    })
    expect(streamed.status).toBe(200)
    await streamed.text()
    const completion = await server.request('/v1/chat/completions', {
      json: { model: 'echo', messages: [{ role: 'user', content: 'hi' }] },
      headers,
    })
    expect(completion.status).toBe(200)
    const spans = await runSpans(3)
    for (const span of spans) {
      expect(span.spanContext().traceId).toBe(TRACE_ID)
      expect(span.parentSpanContext?.spanId).toBe(PARENT_ID)
      expect(span.parentSpanContext?.isRemote).toBe(true)
      expect(span.spanContext().traceState?.get('vendor')).toBe('abc')
    }
  })

  it('carries the caller span through the queue: a submitted run is its child on the worker', async () => {
    const { server, runSpans } = await serve()
    const submitted = await server.request('/api/runs', {
      json: { agent: 'echo', input: 'hi' },
      headers: { traceparent: TRACEPARENT },
    })
    expect(submitted.status).toBe(202)
    const [span] = await runSpans(1)
    expect(span?.spanContext().traceId).toBe(TRACE_ID)
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_ID)
  })

  it('starts a trace of its own without a traceparent, with a malformed one, and for a GET', async () => {
    const { server, runSpans } = await serve()
    await server.request('/api/agents/echo/chat', { json: { message: 'hi' } })
    // Upper-case hex is not a valid traceparent (W3C): ignored.
    await server.request('/api/agents/echo/chat', {
      json: { message: 'hi' },
      headers: { traceparent: TRACEPARENT.toUpperCase() },
    })
    const spans = await runSpans(2)
    for (const span of spans) {
      expect(span.parentSpanContext).toBeUndefined()
      expect(span.spanContext().traceId).not.toBe(TRACE_ID)
    }
    expect((await server.request('/api/runs', { headers: { traceparent: TRACEPARENT } })).status).toBe(200)
  })

  it('ignores the header when the runtime has no tracing: runs work as before', async () => {
    const { server, kit } = await serve({ traced: false })
    const chat = await server.request('/api/agents/echo/chat', {
      json: { message: 'hi' },
      headers: { traceparent: TRACEPARENT },
    })
    expect((await chat.json()).status).toBe('completed')
    expect(kit.spans()).toEqual([])
  })
})
