// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` in plain strings is the workflow template syntax
import { SpanStatusCode } from '@opentelemetry/api'
import { Agent, createMemoryStorage, Runtime, steps } from 'agentloop'
import { llmFunction } from 'agentloop/functions'
import { createTracing } from 'agentloop/otel'
import { scriptedModel } from 'agentloop/testing'
import { bindWorkflow, createWorkflowServices, type NodeHandler, workflow } from 'agentloop/workflows'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createOtelTestKit, parentOf } from '../../test/support/otel.js'

function setup() {
  const kit = createOtelTestKit()
  const tracing = createTracing({ tracerProvider: kit.tracerProvider, meterProvider: kit.meterProvider })
  return { kit, tracing }
}

describe('step jobs', () => {
  it('makes a job span with a span per step; retries are span events of the step', async () => {
    const { kit, tracing } = setup()
    let calls = 0
    const job = steps({ name: 'ingest' })
      .step({ name: 'fetch', run: () => ({ result: 'data' }) })
      .step({
        name: 'parse',
        retries: 2,
        retryDelay: 1,
        run: () => {
          calls++
          if (calls < 3) throw new Error(`flaky ${calls}`)
          return { result: 'parsed' }
        },
      })
    await job.run({ jobId: 'job-1', onEvent: tracing.observe })
    const root = kit.span('job ingest')
    expect(root.attributes).toMatchObject({
      'agentloop.job.id': 'job-1',
      'agentloop.job.status': 'completed',
    })
    const fetch = kit.span('step fetch')
    const parse = kit.span('step parse')
    for (const span of [fetch, parse]) expect(parentOf(span)).toBe(root.spanContext().spanId)
    expect(parse.attributes).toMatchObject({ 'agentloop.step.index': 1, 'agentloop.attempts': 3 })
    expect(
      parse.events.filter((event) => event.name === 'agentloop.retry').map((event) => event.attributes),
    ).toEqual([
      expect.objectContaining({
        'agentloop.attempt': 1,
        'error.type': 'Error',
        'agentloop.error.message': 'flaky 1',
      }),
      expect.objectContaining({ 'agentloop.attempt': 2, 'agentloop.error.message': 'flaky 2' }),
    ])
    expect(parse.status.code).not.toBe(SpanStatusCode.ERROR)
  })

  it('marks the failed step and the job as errors; the resumed job skips completed steps (span events)', async () => {
    const { kit, tracing } = setup()
    const storage = createMemoryStorage()
    let fail = true
    const job = steps({ name: 'ship' })
      .step({ name: 'pack', run: () => ({ result: 1 }) })
      .step({
        name: 'send',
        run: () => {
          if (fail) throw new Error('courier down')
          return { result: 2 }
        },
      })
    await expect(job.run({ jobId: 'job-2', storage, onEvent: tracing.observe })).rejects.toThrow()
    const failedJob = kit.span('job ship')
    expect(failedJob.status.code).toBe(SpanStatusCode.ERROR)
    expect(kit.span('step send').attributes['error.type']).toBe('Error')
    expect(kit.span('step send').status.message).toBe('courier down')

    kit.exporter.reset()
    fail = false
    await job.resume('job-2', { storage, onEvent: tracing.observe })
    const resumed = kit.span('job ship')
    expect(resumed.attributes['agentloop.run.resumed']).toBe(true)
    expect(
      resumed.events.filter((event) => event.name === 'agentloop.step.skip').map((event) => event.attributes),
    ).toEqual([{ 'agentloop.step.name': 'pack' }])
    expect(
      kit
        .spans()
        .map((span) => span.name)
        .sort(),
    ).toEqual(['job ship', 'step send'])
  })
})

describe('LLM functions', () => {
  it('makes a span per call and per attempt, the chat span under its attempt, a rejected attempt as an error and a retry event', async () => {
    const { kit, tracing } = setup()
    const rate = llmFunction({
      name: 'rate',
      instructions: 'Rate from 1 to 5.',
      input: z.object({ text: z.string() }),
      output: z.object({ stars: z.number().min(1).max(5) }),
      model: scriptedModel([{ text: '{"stars": 9}' }, { text: '{"stars": 4}' }], {
        provider: 'openai',
        modelId: 'gpt-x',
      }),
    })
    const result = await rate.run({ text: 'nice' }, { onEvent: tracing.observe })
    expect(result.output).toEqual({ stars: 4 })
    const call = kit.span('invoke_agent rate')
    expect(call.attributes).toMatchObject({ 'agentloop.run.kind': 'function', 'gen_ai.agent.name': 'rate' })
    const first = kit.span('attempt 1')
    const second = kit.span('attempt 2')
    for (const attempt of [first, second]) expect(parentOf(attempt)).toBe(call.spanContext().spanId)
    expect(first.status.code).toBe(SpanStatusCode.ERROR)
    expect(first.attributes['error.type']).toBe('schema')
    expect(second.status.code).not.toBe(SpanStatusCode.ERROR)
    const chats = kit.spans().filter((span) => span.name === 'chat gpt-x')
    expect(chats.map(parentOf).sort()).toEqual(
      [first.spanContext().spanId, second.spanContext().spanId].sort(),
    )
    expect(call.events.filter((event) => event.name === 'agentloop.retry')).toHaveLength(1)
  })
})

describe('workflows', () => {
  it('makes invoke_workflow > node spans; agents and functions that nodes run nest under their node', async () => {
    const { kit, tracing } = setup()
    const writer = new Agent({ name: 'writer', model: scriptedModel([{ text: 'A poem.' }]) })
    const rate = llmFunction({
      name: 'rate',
      instructions: 'Rate.',
      input: z.object({ text: z.string() }),
      output: z.object({ stars: z.number() }),
      model: scriptedModel([{ text: '{"stars": 4}' }]),
    })
    let calls = 0
    const flaky: NodeHandler = {
      name: 'flaky',
      execute: () => {
        calls++
        if (calls < 2) throw new Error('transient')
        return 'ok'
      },
    }
    const definition = workflow('pipeline')
      .node('start', { type: 'start' })
      .node('write', { type: 'agent', agent: 'writer', input: 'poem' })
      .node('rating', { type: 'function', function: 'rate', input: { text: '${write.output}' } })
      .node('check', { type: 'handler', handler: 'flaky', retries: 1, retryDelayMs: 1 })
      .node('end', { type: 'end', output: '${rating.output.stars}' })
      .edge('start', 'write')
      .edge('write', 'rating')
      .edge('rating', 'check')
      .edge('check', 'end')
      .build()
    const bound = bindWorkflow(definition, {
      handlers: [flaky],
      services: createWorkflowServices({ agents: [writer], functions: [rate] }),
    })
    await bound.run({}, { onEvent: tracing.observe, runId: 'wf-1' })
    const root = kit.span('invoke_workflow pipeline')
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'pipeline',
      'agentloop.run.id': 'wf-1',
      'agentloop.workflow.status': 'completed',
    })
    for (const id of ['start', 'write', 'rating', 'check', 'end']) {
      const node = kit.span(`node ${id}`)
      expect(parentOf(node)).toBe(root.spanContext().spanId)
      expect(node.attributes['agentloop.workflow.node.id']).toBe(id)
    }
    expect(parentOf(kit.span('invoke_agent writer'))).toBe(kit.span('node write').spanContext().spanId)
    expect(parentOf(kit.span('invoke_agent rate'))).toBe(kit.span('node rating').spanContext().spanId)
    const check = kit.span('node check')
    expect(check.attributes).toMatchObject({
      'agentloop.workflow.node.type': 'handler',
      'agentloop.attempts': 2,
    })
    expect(check.events.map((event) => event.name)).toEqual(['agentloop.retry'])
    // Every span of the workflow is in one trace.
    expect(new Set(kit.spans().map((span) => span.spanContext().traceId)).size).toBe(1)
  })

  it('traces an agent node once when its runtime is traced too', async () => {
    const { kit, tracing } = setup()
    const writer = new Agent({ name: 'writer', model: scriptedModel([{ text: 'A poem.' }]) })
    const runtime = new Runtime({ observers: [tracing] })
    const definition = workflow('one')
      .node('start', { type: 'start' })
      .node('write', { type: 'agent', agent: 'writer', input: 'poem' })
      .node('end', { type: 'end', output: '${write.output}' })
      .edge('start', 'write')
      .edge('write', 'end')
      .build()
    const bound = bindWorkflow(definition, {
      services: createWorkflowServices({ agents: [writer], runtime }),
    })
    await bound.run({}, { onEvent: tracing.observe })
    expect(kit.spans().filter((span) => span.name === 'invoke_agent writer')).toHaveLength(1)
    expect(kit.spans().filter((span) => span.name.startsWith('chat '))).toHaveLength(1)
  })

  it('marks a failed node and the workflow as errors', async () => {
    const { kit, tracing } = setup()
    const broken: NodeHandler = {
      name: 'broken',
      execute: () => {
        throw new Error('no route')
      },
    }
    const definition = workflow('fails')
      .node('start', { type: 'start' })
      .node('go', { type: 'handler', handler: 'broken' })
      .node('end', { type: 'end' })
      .edge('start', 'go')
      .edge('go', 'end')
      .build()
    await expect(
      bindWorkflow(definition, { handlers: [broken] }).run({}, { onEvent: tracing.observe }),
    ).rejects.toThrow()
    expect(kit.span('node go').status.code).toBe(SpanStatusCode.ERROR)
    expect(kit.span('invoke_workflow fails').status.code).toBe(SpanStatusCode.ERROR)
    expect(kit.span('invoke_workflow fails').attributes['error.type']).toBe('WorkflowNodeError')
  })
})
