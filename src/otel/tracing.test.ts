import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api'
import { Agent, createMemoryStorage, ModelError, Runtime, tool } from 'agentloop'
import { createTracing } from 'agentloop/otel'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createOtelTestKit, parentOf } from '../../test/support/otel.js'

const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => a + b,
})

function setup() {
  const kit = createOtelTestKit()
  const tracing = createTracing({ tracerProvider: kit.tracerProvider, meterProvider: kit.meterProvider })
  return { kit, tracing }
}

describe('agent runs as GenAI spans', () => {
  it('makes invoke_agent > chat (CLIENT) and execute_tool spans with the conventions attributes, one trace', async () => {
    const { kit, tracing } = setup()
    const model = scriptedModel(
      [
        {
          toolCalls: [
            { name: 'add', arguments: { a: 1, b: 2 }, callId: 'c1' },
            { name: 'add', arguments: { a: 3, b: 4 }, callId: 'c2' },
          ],
          usage: { inputTokens: 40, outputTokens: 12, cachedInputTokens: 8, cacheWriteInputTokens: 4 },
        },
        { text: '3 and 7', usage: { inputTokens: 60, outputTokens: 5 } },
      ],
      { provider: 'openai', modelId: 'gpt-5-mini' },
    )
    const agent = new Agent({ name: 'calc', instructions: 'Use tools.', model, tools: [add] })
    const storage = createMemoryStorage()
    await storage.sessions.create({ sessionId: 's-1' })
    const runtime = new Runtime({ observers: [tracing], storage })
    const result = await runtime.run(agent, 'add please', { session: 's-1' })

    const names = kit
      .spans()
      .map((span) => span.name)
      .sort()
    expect(names).toEqual([
      'chat gpt-5-mini',
      'chat gpt-5-mini',
      'execute_tool add',
      'execute_tool add',
      'invoke_agent calc',
    ])
    const root = kit.span('invoke_agent calc')
    expect(root.kind).toBe(SpanKind.INTERNAL)
    expect(parentOf(root)).toBeUndefined()
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'calc',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-5-mini',
      'gen_ai.conversation.id': 's-1',
      'agentloop.run.id': result.runId,
      'agentloop.run.status': 'completed',
      'agentloop.run.turns': 2,
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 17,
    })
    const traceId = root.spanContext().traceId
    for (const span of kit.spans()) {
      expect(span.spanContext().traceId).toBe(traceId)
      if (span !== root) expect(parentOf(span)).toBe(root.spanContext().spanId)
    }
    const [first, second] = kit.spans().filter((span) => span.name === 'chat gpt-5-mini')
    expect(first?.kind).toBe(SpanKind.CLIENT)
    expect(first?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-5-mini',
      'gen_ai.response.model': 'gpt-5-mini',
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.usage.cache_read.input_tokens': 8,
      'gen_ai.usage.cache_creation.input_tokens': 4,
    })
    expect(first?.attributes['gen_ai.response.id']).toEqual(expect.any(String))
    expect(second?.attributes['gen_ai.response.finish_reasons']).toEqual(['stop'])
    const tools = kit.spans().filter((span) => span.name === 'execute_tool add')
    expect(tools.map((span) => span.attributes['gen_ai.tool.call.id']).sort()).toEqual(['c1', 'c2'])
    for (const span of tools) {
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'add',
      })
      expect(span.status.code).not.toBe(SpanStatusCode.ERROR)
      // No content unless captureContent: the arguments and the result are not recorded.
      expect(span.attributes['gen_ai.tool.call.arguments']).toBeUndefined()
      expect(span.attributes['gen_ai.tool.call.result']).toBeUndefined()
    }
    expect(root.attributes['gen_ai.input.messages']).toBeUndefined()
    // Checkpoints of the durable run are span events of the run span.
    const checkpoints = root.events.filter((event) => event.name === 'agentloop.checkpoint')
    expect(checkpoints.map((event) => event.attributes?.['agentloop.checkpoint.reason'])).toEqual(
      expect.arrayContaining(['model', 'tool.start', 'tool.result', 'end']),
    )
  })

  it('runs parallel tool calls as overlapping sibling spans', async () => {
    const { kit, tracing } = setup()
    const slow = tool({
      name: 'slow',
      description: 'Wait',
      parameters: z.object({ ms: z.number() }),
      execute: async ({ ms }) => {
        await new Promise((resolve) => setTimeout(resolve, ms))
        return ms
      },
    })
    const model = scriptedModel([
      {
        toolCalls: [
          { name: 'slow', arguments: { ms: 60 }, callId: 'a' },
          { name: 'slow', arguments: { ms: 60 }, callId: 'b' },
          { name: 'slow', arguments: { ms: 60 }, callId: 'c' },
        ],
      },
      { text: 'done' },
    ])
    const agent = new Agent({ name: 'par', model, tools: [slow] })
    await new Runtime({ observers: [tracing] }).run(agent, 'go')
    const tools = kit.spans().filter((span) => span.name === 'execute_tool slow')
    expect(tools).toHaveLength(3)
    const toMs = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6
    const latestStart = Math.max(...tools.map((span) => toMs(span.startTime)))
    const earliestEnd = Math.min(...tools.map((span) => toMs(span.endTime)))
    // All three ran at once: every one started before any ended.
    expect(latestStart).toBeLessThan(earliestEnd)
    const root = kit.span('invoke_agent par')
    for (const span of tools) expect(parentOf(span)).toBe(root.spanContext().spanId)
  })

  it('marks a failed model call and the run with error.type and ERROR status, and records an exception', async () => {
    const { kit, tracing } = setup()
    const model = scriptedModel(
      [
        {
          error: new ModelError({
            provider: 'openai',
            message: 'upstream 500 with key sk-abcdefghijklmnop1234',
            statusCode: 500,
          }),
        },
      ],
      { provider: 'openai', modelId: 'gpt-5-mini' },
    )
    const agent = new Agent({ name: 'boom', model })
    await expect(new Runtime({ observers: [tracing] }).run(agent, 'hi')).rejects.toThrow(ModelError)
    const chat = kit.span('chat gpt-5-mini')
    const root = kit.span('invoke_agent boom')
    for (const span of [chat, root]) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR)
      expect(span.attributes['error.type']).toBe('ModelError')
      expect(span.events.some((event) => event.name === 'exception')).toBe(true)
    }
    expect(root.attributes['agentloop.run.status']).toBe('failed')
    // Error messages are recorded redacted: a key in a provider message never reaches a span.
    expect(JSON.stringify(root.status)).not.toContain('sk-abcdefghijklmnop1234')
    expect(root.status.message).toContain('[redacted]')
  })

  it('marks a tool that returned an error result with error.type tool_error', async () => {
    const { kit, tracing } = setup()
    const broken = tool({
      name: 'broken',
      description: 'Fails',
      parameters: z.object({}),
      execute: async () => {
        throw new Error('disk full')
      },
    })
    const model = scriptedModel([{ toolCalls: [{ name: 'broken', arguments: {} }] }, { text: 'sorry' }])
    await new Runtime({ observers: [tracing] }).run(new Agent({ name: 't', model, tools: [broken] }), 'x')
    const span = kit.span('execute_tool broken')
    expect(span.status.code).toBe(SpanStatusCode.ERROR)
    expect(span.attributes['error.type']).toBe('tool_error')
    expect(kit.span('invoke_agent t').status.code).not.toBe(SpanStatusCode.ERROR)
  })

  it('records gen_ai.client.token.usage and gen_ai.client.operation.duration per model call', async () => {
    const { kit, tracing } = setup()
    const model = scriptedModel(
      [
        {
          toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }],
          usage: { inputTokens: 30, outputTokens: 10 },
        },
        { text: '2', usage: { inputTokens: 50, outputTokens: 2 } },
      ],
      { provider: 'anthropic', modelId: 'claude-x' },
    )
    await new Runtime({ observers: [tracing] }).run(new Agent({ name: 'm', model, tools: [add] }), 'q')
    const metrics = await kit.metrics()
    const usage = metrics.find((metric) => metric.descriptor.name === 'gen_ai.client.token.usage')
    const duration = metrics.find((metric) => metric.descriptor.name === 'gen_ai.client.operation.duration')
    expect(usage?.descriptor.unit).toBe('{token}')
    expect(duration?.descriptor.unit).toBe('s')
    const byType = new Map(
      (usage?.dataPoints ?? []).map((point) => [
        point.attributes['gen_ai.token.type'],
        point.value as { sum: number; count: number },
      ]),
    )
    expect(byType.get('input')).toMatchObject({ sum: 80, count: 2 })
    expect(byType.get('output')).toMatchObject({ sum: 12, count: 2 })
    const point = usage?.dataPoints[0]
    expect(point?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-x',
    })
    // Metrics carry low-cardinality attributes only: no run id, no call id, no content.
    expect(Object.keys(point?.attributes ?? {}).sort()).toEqual([
      'gen_ai.operation.name',
      'gen_ai.provider.name',
      'gen_ai.request.model',
      'gen_ai.response.model',
      'gen_ai.token.type',
    ])
    expect(duration?.dataPoints[0]?.value).toMatchObject({ count: 2 })
  })

  it('is a child of the span active when the run starts', async () => {
    const { kit, tracing } = setup()
    const outer = kit.tracerProvider.getTracer('app').startSpan('POST /chat')
    const model = scriptedModel([{ text: 'hi' }])
    await context.with(trace.setSpan(context.active(), outer), () =>
      new Runtime({ observers: [tracing] }).run(new Agent({ name: 'child', model }), 'hi'),
    )
    outer.end()
    const run = kit.span('invoke_agent child')
    expect(parentOf(run)).toBe(outer.spanContext().spanId)
    expect(run.spanContext().traceId).toBe(outer.spanContext().traceId)
  })
})

describe('agents working together', () => {
  it("nests an agent called as a tool under the caller's execute_tool span, traced once; handoffs are span events", async () => {
    const { kit, tracing } = setup()
    const researcher = new Agent({ name: 'researcher', model: scriptedModel([{ text: 'facts' }]) })
    const writer = new Agent({
      name: 'writer',
      model: scriptedModel([
        { toolCalls: [{ name: 'researcher', arguments: { input: 'tides' }, callId: 'r1' }] },
        { text: 'an essay' },
      ]),
      tools: [researcher.asTool({ description: 'Research a topic' })],
    })
    await new Runtime({ observers: [tracing] }).run(writer, 'write')
    const inner = kit.spans().filter((span) => span.name === 'invoke_agent researcher')
    expect(inner).toHaveLength(1)
    const call = kit.span('execute_tool researcher')
    expect(parentOf(inner[0] as (typeof inner)[number])).toBe(call.spanContext().spanId)
    expect(parentOf(call)).toBe(kit.span('invoke_agent writer').spanContext().spanId)
    expect(inner[0]?.spanContext().traceId).toBe(call.spanContext().traceId)
  })
})

describe('durable runs', () => {
  it('pauses for approval (span event, run span ends awaiting_approval) and the resumed execution is a new span of the same run', async () => {
    const { kit, tracing } = setup()
    const transfer = tool({
      name: 'transfer',
      description: 'Move money',
      parameters: z.object({ amount: z.number() }),
      needsApproval: true,
      execute: async ({ amount }) => `moved ${amount}`,
    })
    const model = scriptedModel([
      { toolCalls: [{ name: 'transfer', arguments: { amount: 5 }, callId: 'pay' }] },
      { text: 'done' },
    ])
    const agent = new Agent({ name: 'bank', model, tools: [transfer] })
    const runtime = new Runtime({ observers: [tracing], storage: createMemoryStorage(), agents: [agent] })
    const paused = await runtime.run(agent, 'pay 5')
    expect(paused.status).toBe('awaiting_approval')
    const first = kit.span('invoke_agent bank')
    expect(first.attributes['agentloop.run.status']).toBe('awaiting_approval')
    expect(first.status.code).not.toBe(SpanStatusCode.ERROR)
    const approval = first.events.find((event) => event.name === 'agentloop.approval.request')
    expect(approval?.attributes).toMatchObject({
      'gen_ai.tool.name': 'transfer',
      'gen_ai.tool.call.id': 'pay',
      'agentloop.approval.kind': 'approval',
    })
    expect(first.events.some((event) => event.attributes?.['agentloop.checkpoint.reason'] === 'pause')).toBe(
      true,
    )

    kit.exporter.reset()
    const resumed = await runtime.resume(paused.runId, { approvals: [{ callId: 'pay', approve: true }] })
    expect(resumed.status).toBe('completed')
    const second = kit.span('invoke_agent bank')
    expect(second.attributes).toMatchObject({
      'agentloop.run.id': paused.runId,
      'agentloop.run.resumed': true,
      'agentloop.run.status': 'completed',
    })
    // The resumed execution runs the approved tool and the last model call only: nothing is repeated.
    expect(
      kit
        .spans()
        .map((span) => span.name)
        .sort(),
    ).toEqual(['chat scripted-model', 'execute_tool transfer', 'invoke_agent bank'])
    expect(second.spanContext().spanId).not.toBe(first.spanContext().spanId)
  })

  it('records a compaction as a span event of the run span', async () => {
    const { kit, tracing } = setup()
    const model = scriptedModel([{ text: 'ok' }], { capabilities: { contextWindow: 2_000 } as never })
    const agent = new Agent({
      name: 'tight',
      model,
      context: { maxInputTokens: 300, reserveOutputTokens: 10 },
    })
    const history = Array.from({ length: 12 }, (_, index) => [
      { role: 'user' as const, content: `question ${index} ${'x'.repeat(200)}` },
      { role: 'assistant' as const, content: `answer ${index} ${'y'.repeat(200)}` },
    ]).flat()
    await new Runtime({ observers: [tracing] }).run(agent, [...history, { role: 'user', content: 'last' }])
    const compaction = kit
      .span('invoke_agent tight')
      .events.find((event) => event.name === 'agentloop.compaction')
    expect(compaction?.attributes?.['agentloop.compaction.tokens_before']).toBeGreaterThan(
      compaction?.attributes?.['agentloop.compaction.tokens_after'] as number,
    )
    expect(compaction?.attributes?.['agentloop.compaction.strategies']).toEqual(expect.any(Array))
  })
})
