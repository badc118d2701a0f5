import { Agent, Runtime, tool } from 'agentloop'
import { createTracing, type SpanStartTrace, type TraceEvent } from 'agentloop/otel'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createOtelTestKit } from '../../test/support/otel.js'

const add = tool({
  name: 'add',
  description: 'Add',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => a + b,
})

const script = () =>
  scriptedModel([{ toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }] }, { text: '3' }], {
    provider: 'openai',
    modelId: 'gpt-5-mini',
  })

describe('TraceSink', () => {
  it('receives span starts, events and ends with parent ids, without OpenTelemetry', async () => {
    const records: TraceEvent[] = []
    const tracing = createTracing({
      openTelemetry: false,
      sinks: [{ trace: (event) => records.push(event) }],
    })
    const agent = new Agent({ name: 'calc', model: script(), tools: [add] })
    await new Runtime({ observers: [tracing] }).run(agent, 'add')
    const starts = records.filter((record): record is SpanStartTrace => record.type === 'span.start')
    expect(starts.map((record) => record.name)).toEqual([
      'invoke_agent calc',
      'chat gpt-5-mini',
      'execute_tool add',
      'chat gpt-5-mini',
    ])
    const root = starts[0] as SpanStartTrace
    expect(root.parentSpanId).toBeUndefined()
    for (const child of starts.slice(1)) expect(child.parentSpanId).toBe(root.spanId)
    expect(starts[1]?.kind).toBe('client')
    // Every span that starts ends, children before their parent, the run last.
    const ends = records.filter((record) => record.type === 'span.end')
    expect(ends.map((record) => record.spanId).sort()).toEqual(starts.map((record) => record.spanId).sort())
    expect(records.at(-1)).toMatchObject({ type: 'span.end', spanId: root.spanId, status: 'ok' })
    expect(records.at(-1)?.type === 'span.end' && records.at(-1)).toMatchObject({
      attributes: { 'agentloop.run.status': 'completed', 'gen_ai.usage.input_tokens': expect.any(Number) },
    })
    for (const record of records) expect(record.time).toEqual(expect.any(Number))
  })

  it('gets the same spans as OpenTelemetry, fed from the same place', async () => {
    const kit = createOtelTestKit()
    const records: TraceEvent[] = []
    const tracing = createTracing({
      tracerProvider: kit.tracerProvider,
      meterProvider: false,
      sinks: [{ trace: (event) => records.push(event) }],
    })
    await new Runtime({ observers: [tracing] }).run(
      new Agent({ name: 'calc', model: script(), tools: [add] }),
      'x',
    )
    const sinkNames = records.filter((record) => record.type === 'span.end').map((record) => record.name)
    expect(kit.spans().map((span) => span.name)).toEqual(sinkNames)
  })

  it('never breaks a run: a sink that throws is ignored, and other sinks still receive everything', async () => {
    const records: TraceEvent[] = []
    const tracing = createTracing({
      openTelemetry: false,
      sinks: [
        {
          trace() {
            throw new Error('backend down')
          },
        },
        { trace: (event) => records.push(event) },
      ],
    })
    const result = await new Runtime({ observers: [tracing] }).run(
      new Agent({ name: 'calc', model: script(), tools: [add] }),
      'x',
    )
    expect(result.output).toBe('3')
    expect(records.filter((record) => record.type === 'span.end')).toHaveLength(4)
  })

  it('streams and plain runs are traced alike (the observer sees every event of a stream too)', async () => {
    const records: TraceEvent[] = []
    const tracing = createTracing({
      openTelemetry: false,
      sinks: [{ trace: (event) => records.push(event) }],
    })
    const runtime = new Runtime({ observers: [tracing] })
    const events = runtime.stream(new Agent({ name: 'calc', model: script(), tools: [add] }), 'x')
    for await (const _event of events) {
      // consume
    }
    expect(records.filter((record) => record.type === 'span.end')).toHaveLength(4)
  })

  it('rejects bad tracing options naming the field', () => {
    expect(() => createTracing({ openTelemetry: false })).toThrow(/there are no sinks/)
    expect(() => createTracing({ openTelemetry: false, sinks: { trace() {} } as never })).toThrow(
      /sinks must be an array/,
    )
    expect(() => createTracing({ openTelemetry: false, sinks: [{} as never] })).toThrow(
      /sinks\[0\] has no trace\(event\)/,
    )
    expect(() => createTracing({ tracerProvider: {} as never })).toThrow(
      /tracerProvider must be an OpenTelemetry TracerProvider/,
    )
    expect(() => createTracing({ meterProvider: {} as never })).toThrow(
      /meterProvider must be an OpenTelemetry MeterProvider/,
    )
    expect(() => new Runtime({ observers: [{} as never] })).toThrow(
      /observers\[0\] has no observe\(event\) method/,
    )
    expect(() => new Runtime({ observers: {} as never })).toThrow(/observers must be an array/)
  })
})
