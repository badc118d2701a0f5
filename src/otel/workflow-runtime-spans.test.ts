// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` in plain strings is the workflow template syntax
import { SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { Agent, createMemoryStorage, Runtime } from 'agentloop'
import { llmFunction } from 'agentloop/functions'
import { createTracing } from 'agentloop/otel'
import { scriptedModel } from 'agentloop/testing'
import { bindWorkflow, createWorkflowServices, type NodeHandler, workflow } from 'agentloop/workflows'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createOtelTestKit, parentOf } from '../../test/support/otel.js'

function setup() {
  const kit = createOtelTestKit()
  const tracing = createTracing({ tracerProvider: kit.tracerProvider, meterProvider: false })
  const runtime = new Runtime({
    storage: createMemoryStorage(),
    observers: [tracing],
    runner: { retryDelayMs: 1 },
  })
  return { kit, runtime }
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId

describe('workflows run by the Runtime', () => {
  it('makes a workflow span under the run span, a span per node, and nests what a node runs under it', async () => {
    const { kit, runtime } = setup()
    const writer = new Agent({ name: 'writer', model: scriptedModel([{ text: 'A poem.' }]) })
    const rate = llmFunction({
      name: 'rate',
      instructions: 'Rate from 1 to 5.',
      input: z.object({ text: z.string() }),
      output: z.object({ stars: z.number() }),
      model: scriptedModel([{ text: '{"stars": 4}' }], { provider: 'openai', modelId: 'gpt-x' }),
    })
    let calls = 0
    const flaky: NodeHandler = {
      name: 'flaky',
      execute: () => {
        calls++
        if (calls === 1) throw new Error('busy')
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
    // The agents run on the default runtime (not traced itself): their events reach tracing
    // through the workflow's run, as node.event.
    const bound = bindWorkflow(definition, {
      services: createWorkflowServices({ agents: [writer], functions: [rate] }),
      handlers: [flaky],
    })
    runtime.register(bound)
    const result = await runtime.run(bound, JSON.stringify({ topic: 'sea' }))
    expect(result.status).toBe('completed')

    const run = kit.span('invoke_agent pipeline')
    expect(run.attributes).toMatchObject({
      'agentloop.run.kind': 'runnable',
      'agentloop.run.id': result.runId,
    })
    const flow = kit.span('invoke_workflow pipeline')
    expect(parentOf(flow)).toBe(idOf(run))
    expect(flow.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'pipeline',
      'agentloop.run.id': result.runId,
      'agentloop.workflow.status': 'completed',
    })
    for (const id of ['start', 'write', 'rating', 'check', 'end']) {
      const node = kit.span(`node ${id}`)
      expect(parentOf(node)).toBe(idOf(flow))
      expect(node.attributes).toMatchObject({
        'agentloop.workflow.node.id': id,
        'agentloop.workflow.node.status': 'completed',
      })
    }
    // The nested agent run and LLM function call sit under their node, with their own spans.
    const poem = kit.span('invoke_agent writer')
    expect(parentOf(poem)).toBe(idOf(kit.span('node write')))
    expect(parentOf(kit.span('chat scripted-model'))).toBe(idOf(poem))
    const call = kit.span('invoke_agent rate')
    expect(parentOf(call)).toBe(idOf(kit.span('node rating')))
    expect(parentOf(kit.span('attempt 1'))).toBe(idOf(call))
    expect(parentOf(kit.span('chat gpt-x'))).toBe(idOf(kit.span('attempt 1')))
    // A node retry is an event of the node's span; the run span carries no node events any more.
    const check = kit.span('node check')
    expect(check.attributes['agentloop.attempts']).toBe(2)
    expect(check.events.map((event) => event.name)).toEqual(['agentloop.retry'])
    expect(check.events[0]?.attributes).toMatchObject({
      'agentloop.attempt': 1,
      'agentloop.error.message': 'busy',
    })
    expect(run.events).toEqual([])
    expect(new Set(kit.spans().map((span) => span.spanContext().traceId)).size).toBe(1)
  })

  it('an agent node on the same traced runtime: its run is traced once, under its node', async () => {
    const { kit, runtime } = setup()
    const writer = new Agent({ name: 'writer', model: scriptedModel([{ text: 'A poem.' }]) })
    const bound = bindWorkflow(
      workflow('poet')
        .node('start', { type: 'start' })
        .node('write', { type: 'agent', agent: 'writer', input: 'poem' })
        .node('end', { type: 'end', output: '${write.output}' })
        .edge('start', 'write')
        .edge('write', 'end')
        .build(),
      { services: createWorkflowServices({ agents: [writer], runtime }) },
    )
    runtime.register(bound)
    const result = await runtime.run(bound, '{}')
    expect(result).toMatchObject({ status: 'completed', output: 'A poem.' })
    const poems = kit.spans().filter((span) => span.name === 'invoke_agent writer')
    expect(poems).toHaveLength(1)
    expect(parentOf(poems[0] as ReadableSpan)).toBe(idOf(kit.span('node write')))
    expect(parentOf(kit.span('chat scripted-model'))).toBe(idOf(poems[0] as ReadableSpan))
    expect(new Set(kit.spans().map((span) => span.spanContext().traceId)).size).toBe(1)
  })

  it('pauses at a human node and resumes in a new run span with a resumed workflow span', async () => {
    const { kit, runtime } = setup()
    const work: NodeHandler = { name: 'work', execute: (node) => node.config }
    const definition = workflow('order')
      .node('start', { type: 'start' })
      .node('charge', { type: 'handler', handler: 'work', config: 'charged' })
      .node('approve', { type: 'human', prompt: 'Ship?' })
      .node('ship', { type: 'handler', handler: 'work', config: 'shipped' })
      .node('end', { type: 'end', output: '${ship.output}' })
      .edge('start', 'charge')
      .edge('charge', 'approve')
      .edge('approve', 'ship')
      .edge('ship', 'end')
      .build()
    const bound = bindWorkflow(definition, { handlers: [work] })
    runtime.register(bound)
    const paused = await runtime.run(bound, '{}')
    expect(paused.status).toBe('awaiting_input')
    const firstFlow = kit.span('invoke_workflow order')
    expect(firstFlow.attributes['agentloop.workflow.status']).toBe('awaiting_input')
    expect(firstFlow.status.code).not.toBe(SpanStatusCode.ERROR)
    expect(kit.span('node approve').attributes['agentloop.workflow.node.status']).toBe('waiting')

    kit.exporter.reset()
    const done = await runtime.resume(paused.runId, { input: { approve: { ok: true } } })
    expect(done.status).toBe('completed')
    const run = kit.span('invoke_agent order')
    expect(run.attributes['agentloop.run.resumed']).toBe(true)
    const flow = kit.span('invoke_workflow order')
    expect(parentOf(flow)).toBe(idOf(run))
    expect(flow.attributes).toMatchObject({
      'agentloop.run.resumed': true,
      'agentloop.workflow.status': 'completed',
    })
    const nodes = kit
      .spans()
      .filter((span) => span.name.startsWith('node '))
      .map((span) => span.name)
    // Completed nodes are not run again; the human node took its answer without running again.
    expect(nodes).toEqual(['node ship', 'node end'])
    for (const span of kit.spans().filter((each) => each.name.startsWith('node '))) {
      expect(parentOf(span)).toBe(idOf(flow))
    }
  })

  it('marks a failed node, its workflow and the run as errors; a cancelled run ends every open span', async () => {
    const { kit, runtime } = setup()
    const broken: NodeHandler = {
      name: 'broken',
      execute: () => {
        throw new Error('no route')
      },
    }
    const never: NodeHandler = {
      name: 'never',
      execute: (_node, _state, context) =>
        new Promise((_resolve, reject) =>
          context.signal.addEventListener('abort', () => reject(context.signal.reason)),
        ),
    }
    const fails = workflow('fails')
      .node('start', { type: 'start' })
      .node('go', { type: 'handler', handler: 'broken' })
      .node('end', { type: 'end' })
      .edge('start', 'go')
      .edge('go', 'end')
      .build()
    const hangs = workflow('hangs')
      .node('start', { type: 'start' })
      .node('wait', { type: 'handler', handler: 'never' })
      .node('end', { type: 'end' })
      .edge('start', 'wait')
      .edge('wait', 'end')
      .build()
    const failing = bindWorkflow(fails, { handlers: [broken] })
    const hanging = bindWorkflow(hangs, { handlers: [never] })
    runtime.register(failing)
    runtime.register(hanging)
    await expect(runtime.run(failing, '{}')).rejects.toThrow()
    // The runner retries a failed run: each attempt is a run span with its own workflow and nodes.
    const named = (name: string) => kit.spans().filter((span) => span.name === name)
    const attempts = named('invoke_agent fails')
    expect(attempts.length).toBeGreaterThan(0)
    expect(named('invoke_workflow fails')).toHaveLength(attempts.length)
    for (const span of named('node go')) {
      expect(span.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'no route' })
    }
    for (const span of named('invoke_workflow fails')) expect(span.status.code).toBe(SpanStatusCode.ERROR)
    // The last attempt's run span ends with the failure (earlier ones end when the retry starts).
    expect(attempts.at(-1)?.status.code).toBe(SpanStatusCode.ERROR)
    expect(named('invoke_workflow fails').map(parentOf).sort()).toEqual(attempts.map(idOf).sort())

    await expect(runtime.run(hanging, '{}', { timeoutMs: 50 })).rejects.toThrow()
    for (const name of ['node wait', 'invoke_workflow hangs', 'invoke_agent hangs']) {
      expect(kit.span(name).status.code).toBe(SpanStatusCode.ERROR)
    }
  })
})
