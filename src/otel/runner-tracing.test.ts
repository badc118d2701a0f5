import { context, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api'
import {
  Agent,
  createInProcessEventBus,
  createMemoryStorage,
  type QueuedRun,
  type RunHandler,
  type RunnableContext,
  type RunQueue,
  Runtime,
  tool,
} from 'agentloop'
import { createTracing } from 'agentloop/otel'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createOtelTestKit, parentOf } from '../../test/support/otel.js'

/**
 * A queue that keeps jobs as JSON, like BullMQ's Redis hashes, and hands them to the worker only
 * when the test says so, from whatever context the test chooses (another process, in effect).
 */
function jsonQueue() {
  const stored: string[] = []
  let handler: RunHandler | undefined
  const queue: RunQueue & { jobs: () => QueuedRun[]; deliver: () => Promise<void> } = {
    backend: 'json-test',
    distributed: true,
    async enqueue(job) {
      stored.push(JSON.stringify(job))
    },
    async process(next) {
      handler = next
    },
    async has(runId) {
      return stored.some((job) => (JSON.parse(job) as QueuedRun).runId === runId)
    },
    async remove() {
      return false
    },
    async close() {},
    jobs: () => stored.map((job) => JSON.parse(job) as QueuedRun),
    async deliver() {
      const jobs = stored.splice(0).map((job) => JSON.parse(job) as QueuedRun)
      await Promise.all(jobs.map((job) => handler?.(job)))
    },
  }
  return queue
}

describe('tracing through the runner and its queue', () => {
  it('makes a submitted run, executed by a worker in another context, a child of the submitting span', async () => {
    const kit = createOtelTestKit()
    const tracing = createTracing({ tracerProvider: kit.tracerProvider, meterProvider: false })
    const storage = createMemoryStorage()
    const bus = createInProcessEventBus()
    const queue = jsonQueue()
    const add = tool({
      name: 'add',
      description: 'Add',
      parameters: z.object({ a: z.number(), b: z.number() }),
      execute: async ({ a, b }) => a + b,
    })
    const agent = new Agent({
      name: 'calc',
      model: scriptedModel([{ toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }] }, { text: '3' }]),
      tools: [add],
    })
    const options = { storage, bus, queue, agents: [agent], observers: [tracing] }
    const server = new Runtime({ ...options, runner: { worker: false } })
    const worker = new Runtime({ ...options, runner: { worker: true } })

    const request = kit.tracerProvider.getTracer('server').startSpan('POST /api/runs')
    const { runId } = await context.with(trace.setSpan(ROOT_CONTEXT, request), () =>
      server.submit('calc', 'add'),
    )
    request.end()
    const [job] = queue.jobs()
    expect(job?.trace?.traceparent).toBe(
      `00-${request.spanContext().traceId}-${request.spanContext().spanId}-01`,
    )

    await context.with(ROOT_CONTEXT, async () => {
      await worker.work()
      await queue.deliver()
    })
    expect((await server.wait(runId)).output).toBe('3')
    const run = kit.span('invoke_agent calc')
    expect(run.spanContext().traceId).toBe(request.spanContext().traceId)
    expect(parentOf(run)).toBe(request.spanContext().spanId)
    expect(run.attributes['agentloop.run.id']).toBe(runId)
    expect(kit.spans().filter((span) => span.name === 'execute_tool add')).toHaveLength(1)
    await server.close()
    await worker.close()
  })

  it('submits without trace context when the runtime has no tracing, and the run is a root', async () => {
    const kit = createOtelTestKit()
    const queue = jsonQueue()
    const runtime = new Runtime({
      storage: createMemoryStorage(),
      queue,
      runnables: [{ name: 'noop', run: () => 'ok' }],
      runner: { worker: false },
    })
    const request = kit.tracerProvider.getTracer('server').startSpan('POST /api/runs')
    await context.with(trace.setSpan(ROOT_CONTEXT, request), () => runtime.submit('noop', 'x'))
    request.end()
    expect(queue.jobs()[0]?.trace).toBeUndefined()
    await runtime.close()
  })

  it("traces a runnable's run, its steps (retries as span events) and the names of its own events", async () => {
    const kit = createOtelTestKit()
    const tracing = createTracing({ tracerProvider: kit.tracerProvider, meterProvider: false })
    let tries = 0
    const runtime = new Runtime({
      observers: [tracing],
      runnables: [
        {
          name: 'pipeline',
          async run(ctx: RunnableContext) {
            await ctx.step('fetch', () => 'data')
            await ctx.step(
              'parse',
              () => {
                tries++
                if (tries < 2) throw new Error('flaky')
                return 'parsed'
              },
              { retries: 1, retryDelay: 1 },
            )
            await ctx.emit('progress', { secret: 'never-recorded-value' })
            return 'done'
          },
        },
      ],
    })
    const { runId } = await runtime.submit('pipeline', 'go')
    expect((await runtime.wait(runId)).output).toBe('done')
    await runtime.close()
    const run = kit.span('invoke_agent pipeline')
    expect(run.attributes).toMatchObject({
      'agentloop.run.kind': 'runnable',
      'agentloop.run.status': 'completed',
    })
    expect(run.attributes['gen_ai.provider.name']).toBeUndefined()
    const parse = kit.span('step parse')
    expect(parentOf(parse)).toBe(run.spanContext().spanId)
    expect(parentOf(kit.span('step fetch'))).toBe(run.spanContext().spanId)
    expect(parse.events.map((event) => event.name)).toEqual(['agentloop.retry'])
    expect(parse.status.code).not.toBe(SpanStatusCode.ERROR)
    const custom = run.events.find((event) => event.name === 'agentloop.custom')
    expect(custom?.attributes).toEqual({ 'agentloop.event.name': 'progress' })
    expect(JSON.stringify(kit.spans().map((span) => span.events))).not.toContain('never-recorded-value')
  })
})
