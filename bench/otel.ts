/**
 * What tracing costs per run. Workload (the loop benchmark's): an agent with 2 tools whose
 * scripted model makes 3 model calls and 2 tool calls per run, so 6 spans per run (invoke_agent,
 * 3 x chat, 2 x execute_tool) and 9 metric points. Variants, in the same process, interleaved:
 *   none        a Runtime without observers (tracing not configured)
 *   sink        createTracing({ openTelemetry: false, sinks: [no-op] }): the translator alone
 *   otel        OpenTelemetry SDK 2: SimpleSpanProcessor + InMemorySpanExporter, MeterProvider
 *   otel-spans  the same without metrics (meterProvider: false)
 *   otel-batch  BatchSpanProcessor + an exporter that drops the batch (the production shape)
 * Figures are CPU time of this process per run (process.cpuUsage), which other processes on a
 * shared machine disturb less than wall time; wall time is printed too. A second section replays
 * one run's recorded events through `observe` alone, to separate tracing from the loop.
 *
 * Run: npm run bench:otel   (builds dist/ first)
 */
import type { ExportResult } from '@opentelemetry/core'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base'
import { Agent, type Model, type RunEvent, Runtime, tool } from 'agentloop'
import { createTracing } from 'agentloop/otel'
import { z } from 'zod'

const lookup = tool({
  name: 'lookup',
  description: 'Look up a value',
  parameters: z.object({ key: z.string() }),
  execute: async ({ key }) => `value of ${key}`,
})
const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})

/** The loop benchmark's stateless streaming model: lookup, then add, then the answer. */
const model: Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'bench-model',
  generate: () => Promise.reject(new Error('not used')),
  async *stream(request) {
    let turn = 0
    for (const message of request.messages) if (message.role === 'assistant') turn++
    yield { type: 'response.start' }
    if (turn < 2) {
      const callId = `call_${turn}`
      const args = turn === 0 ? '{"key":"x"}' : '{"a":2,"b":3}'
      yield { type: 'tool.call.start', callId, name: turn === 0 ? 'lookup' : 'add' }
      yield { type: 'tool.call.delta', callId, delta: args.slice(0, 5) }
      yield { type: 'tool.call.delta', callId, delta: args.slice(5) }
      yield { type: 'tool.call.end', callId }
      yield {
        type: 'finish',
        finishReason: 'tool-calls',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      }
      return
    }
    const text = 'The value is 5.'
    for (let start = 0; start < text.length; start += 8)
      yield { type: 'text.delta', delta: text.slice(start, start + 8) }
    yield {
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 30, outputTokens: 5, totalTokens: 35 },
    }
  },
}

const agent = new Agent({ name: 'bench', instructions: 'Use tools.', model, tools: [lookup, add] })

class DropExporter implements SpanExporter {
  exported = 0
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exported += spans.length
    done({ code: 0 })
  }
  async shutdown(): Promise<void> {}
}
class Reader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const memory = new InMemorySpanExporter()
const drop = new DropExporter()
const spanCounts = { sink: 0 }
const variants: Record<string, Runtime> = {
  none: new Runtime(),
  sink: new Runtime({
    observers: [
      createTracing({
        openTelemetry: false,
        sinks: [
          {
            trace: (event) => {
              if (event.type === 'span.end') spanCounts.sink++
            },
          },
        ],
      }),
    ],
  }),
  otel: new Runtime({
    observers: [
      createTracing({
        tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }),
        meterProvider: new MeterProvider({ readers: [new Reader()] }),
      }),
    ],
  }),
  'otel-spans': new Runtime({
    observers: [
      createTracing({
        tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }),
        meterProvider: false,
      }),
    ],
  }),
  'otel-batch': new Runtime({
    observers: [
      createTracing({
        tracerProvider: new BasicTracerProvider({
          spanProcessors: [
            new BatchSpanProcessor(drop, {
              maxQueueSize: 65_536,
              maxExportBatchSize: 4_096,
              scheduledDelayMillis: 50,
            }),
          ],
        }),
        meterProvider: new MeterProvider({ readers: [new Reader()] }),
      }),
    ],
  }),
}

/** CPU and wall microseconds per run. */
async function time(runtime: Runtime, runs: number): Promise<{ cpu: number; wall: number }> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  for (let index = 0; index < runs; index++) {
    await runtime.run(agent, 'Go')
    // The in-memory exporter keeps every span: empty it so memory stays flat.
    if (index % 1_000 === 0) memory.reset()
  }
  const wall = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { cpu: (used.user + used.system) / runs, wall: (wall * 1000) / runs }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

/** Tracing alone: one run's events replayed through `observe`, CPU microseconds per run. */
async function replay(): Promise<Record<string, number>> {
  const events: RunEvent[] = []
  await new Runtime({ observers: [{ observe: (event) => events.push(event) }] }).run(agent, 'Go')
  const tracings = {
    sink: createTracing({ openTelemetry: false, sinks: [{ trace() {} }] }),
    otel: createTracing({
      tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }),
      meterProvider: new MeterProvider({ readers: [new Reader()] }),
    }),
  }
  const result: Record<string, number[]> = { sink: [], otel: [] }
  const runs = 20_000
  for (let round = 0; round < 7; round++) {
    for (const [name, tracing] of Object.entries(tracings)) {
      const cpu = process.cpuUsage()
      for (let index = 0; index < runs; index++) {
        for (const event of events) tracing.observe(event)
        if (index % 1_000 === 0) memory.reset()
      }
      const used = process.cpuUsage(cpu)
      ;(result[name] as number[]).push((used.user + used.system) / runs)
    }
  }
  return {
    events: events.length,
    sink: median(result.sink as number[]),
    otel: median(result.otel as number[]),
  }
}

async function main() {
  const runs = 5_000
  const rounds = 9
  for (const runtime of Object.values(variants)) await time(runtime, 2_000)
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]))
  const wall: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    for (const [name, runtime] of Object.entries(variants)) {
      const measured = await time(runtime, runs)
      ;(cpu[name] as number[]).push(measured.cpu)
      ;(wall[name] as number[]).push(measured.wall)
    }
  }
  memory.reset()
  const none = median(cpu.none as number[])
  console.log(
    `agentloop tracing overhead (node ${process.version}, ${runs} runs x ${rounds} rounds, medians)`,
  )
  console.log('workload: 3 model calls + 2 tool calls per run = 6 spans, 9 metric points')
  for (const name of Object.keys(variants)) {
    const perRun = median(cpu[name] as number[])
    const extra = name === 'none' ? '' : `  +${(perRun - none).toFixed(1)} us/run`
    console.log(
      `${name.padEnd(11)} cpu ${perRun.toFixed(1)} us/run${extra.padEnd(18)} (wall ${median(wall[name] as number[]).toFixed(1)} us/run)`,
    )
  }
  console.log(`spans seen: sink ${spanCounts.sink}, batch exporter ${drop.exported}`)
  const alone = await replay()
  console.log(
    `tracing alone (${alone.events} events of one run replayed through observe): sink ${alone.sink?.toFixed(1)} us/run, OpenTelemetry SDK ${alone.otel?.toFixed(1)} us/run (target <= 20)`,
  )
}

await main()
