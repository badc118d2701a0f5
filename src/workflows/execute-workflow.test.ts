import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { ConfigError, RunCancelledError, ValidationFailedError } from '../errors/errors.js'
import { llmFunction } from '../functions/llm-function.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import type { JsonValue } from '../util/json.js'
import { bindWorkflow } from './bind-workflow.js'
import type { NodeHandler } from './node-handler.js'
import { workflow } from './workflow-builder.js'
import { NodeTimeoutError, WorkflowNodeError, WorkflowStalledError } from './workflow-errors.js'
import type { NestedEvent, WorkflowEvent } from './workflow-event.js'
import { createWorkflowServices } from './workflow-services.js'
import type { WorkflowState } from './workflow-state.js'

/** Returns its rendered config. */
const echo: NodeHandler = { name: 'echo', idempotent: true, execute: (node) => node.config }

function recorder() {
  const events: WorkflowEvent[] = []
  return { events, onEvent: (event: WorkflowEvent) => void events.push(event) }
}
const ended = (events: WorkflowEvent[]) =>
  events
    .filter((event) => event.type === 'node.end' && !('nodeRunId' in event))
    .map((event) => `${(event as { nodeId: string }).nodeId}:${(event as { status: string }).status}`)

const branching = workflow('branching')
  .node('start', { type: 'start' })
  .node('check', { type: 'condition', expression: 'amount > 100 ? "large" : "small"' })
  .node('large', { type: 'handler', handler: 'echo', config: { review: true, amount: '${amount}' } })
  .node('small', { type: 'handler', handler: 'echo', config: 'auto-approved ${amount} for ${customer.name}' })
  .node('end', {
    type: 'end',
    output: { decision: '${large.output ?? small.output}', path: '${check.output}' },
  })
  .edge('start', 'check')
  .edge('check', 'large', { when: '"large"' })
  .edge('check', 'small')
  .edge('large', 'end')
  .edge('small', 'end')
  .build()

describe('running a workflow', () => {
  it('branches on conditions, substitutes variables and outputs, and emits events in order', async () => {
    const bound = bindWorkflow(branching, { handlers: [echo] })
    const { events, onEvent } = recorder()
    const large = await bound.run({ amount: 250, customer: { name: 'Ada' } }, { onEvent, runId: 'run-1' })
    expect(large.status).toBe('completed')
    expect(large.output).toEqual({ decision: { review: true, amount: 250 }, path: 'large' })
    expect(large.state.outputs.check).toBe('large')
    expect(events.map((event) => event.type)).toEqual([
      'workflow.start',
      ...['start', 'check', 'large', 'end'].flatMap(() => ['node.start', 'node.end']),
      'workflow.end',
    ])
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
    expect(events.every((event) => event.runId === 'run-1')).toBe(true)
    const end = events.find((event) => event.type === 'node.end' && event.nodeId === 'large')
    expect(end).toMatchObject({ nodeType: 'handler', status: 'completed', attempts: 1 })
    expect((end as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0)
    expect(events.at(-1)).toMatchObject({ type: 'workflow.end', status: 'completed', output: large.output })

    const small = await bound.run({ amount: 20, customer: { name: 'Ada' } })
    expect(small.output).toEqual({ decision: 'auto-approved 20 for Ada', path: 'small' })
    expect(small.state.nodes.large).toBeUndefined()
  })

  it('runs parallel branches and joins them: all, any (stopping the rest) and N of M', async () => {
    const stopped: string[] = []
    const slow: NodeHandler = {
      name: 'slow',
      execute: (node, _state, { signal }) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve(node.config), Number((node.config as { ms: number }).ms))
          signal.addEventListener('abort', () => {
            clearTimeout(timer)
            stopped.push(node.id)
          })
        }),
    }
    const fanOut = (wait: 'all' | 'any' | number) =>
      bindWorkflow(
        workflow(`fan-${wait}`)
          .node('start', { type: 'start' })
          .node('split', { type: 'parallel' })
          .node('fast', { type: 'handler', handler: 'slow', config: { ms: 1 } })
          .node('medium', { type: 'handler', handler: 'slow', config: { ms: 30 } })
          .node('snail', { type: 'handler', handler: 'slow', config: { ms: 5000 } })
          .node('join', { type: 'join', wait })
          .node('end', { type: 'end', output: '${join.output}' })
          .edge('start', 'split')
          .edge('split', 'fast')
          .edge('split', 'medium')
          .edge('split', 'snail')
          .edge('fast', 'join')
          .edge('medium', 'join')
          .edge('snail', 'join')
          .edge('join', 'end')
          .build(),
        { handlers: [slow] },
      )
    const any = await fanOut('any').run()
    expect(any.output).toEqual({ fast: { ms: 1 } })
    expect(any.state.nodes.snail?.status).toBe('cancelled')
    expect(stopped).toEqual(expect.arrayContaining(['medium', 'snail']))
    const two = await fanOut(2).run()
    expect(two.output).toEqual({ fast: { ms: 1 }, medium: { ms: 30 } })

    const all = bindWorkflow(
      workflow('fan-all')
        .node('start', { type: 'start' })
        .node('split', { type: 'parallel' })
        .node('a', { type: 'handler', handler: 'echo', config: 'A' })
        .node('b', { type: 'handler', handler: 'echo', config: 'B' })
        .node('join', { type: 'join' })
        .node('end', { type: 'end', output: '${join.output.a + join.output.b}' })
        .edge('start', 'split')
        .edge('split', 'a')
        .edge('split', 'b')
        .edge('a', 'join')
        .edge('b', 'join')
        .edge('join', 'end')
        .build(),
      { handlers: [echo] },
    )
    expect((await all.run()).output).toBe('AB')
  })

  it('loops until a condition holds, and stops a loop that does not end at maxIterations', async () => {
    const loop = (limit: string) =>
      workflow('loop')
        .node('start', { type: 'start' })
        .node('count', { type: 'handler', handler: 'echo', config: '${(count.output ?? 0) + 1}' })
        .node('more', { type: 'condition', expression: `count.output < ${limit}` })
        .node('end', { type: 'end', output: '${count.output}' })
        .edge('start', 'count')
        .edge('count', 'more')
        .edge('more', 'count', { when: 'true' })
        .edge('more', 'end', { when: 'false' })
    const five = await bindWorkflow(loop('5').build(), { handlers: [echo] }).run()
    expect(five.output).toBe(5)
    expect(five.state.nodes.count?.runs).toBe(5)
    const forever = bindWorkflow(loop('1000').maxIterations(7).build(), { handlers: [echo] })
    const saved: WorkflowState[] = []
    const error = await forever
      .run({}, { checkpoint: (state) => void saved.push(state) })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(WorkflowNodeError)
    expect((error as WorkflowNodeError).nodeId).toBe('count')
    expect((error as Error).message).toMatch(
      /Node "count" of workflow "loop" \(run [\w-]+\) ran 7 times, its maxIterations limit/,
    )
    expect(saved.at(-1)).toMatchObject({
      status: 'failed',
      error: { name: 'WorkflowNodeError', nodeId: 'count' },
    })
    // The default is 20.
    await expect(bindWorkflow(loop('1000').build(), { handlers: [echo] }).run()).rejects.toThrow(
      /ran 20 times/,
    )
  })

  it('retries a failing node with backoff, then fails it naming the node and the cause', async () => {
    let calls = 0
    const flaky: NodeHandler = {
      name: 'flaky',
      execute: (node) => {
        calls++
        if (calls < 3) throw new Error(`transient ${calls}`)
        return node.config
      },
    }
    const definition = (retries: number) =>
      workflow('retry')
        .node('start', { type: 'start' })
        .node('call', {
          type: 'handler',
          handler: 'flaky',
          config: 'ok',
          retries,
          retryDelayMs: 5,
          backoff: 'exponential',
        })
        .node('end', { type: 'end', output: '${call.output}' })
        .edge('start', 'call')
        .edge('call', 'end')
        .build()
    const { events, onEvent } = recorder()
    const started = Date.now()
    expect((await bindWorkflow(definition(2), { handlers: [flaky] }).run({}, { onEvent })).output).toBe('ok')
    expect(Date.now() - started).toBeGreaterThanOrEqual(14)
    expect(events.filter((event) => event.type === 'node.retry')).toMatchObject([
      { nodeId: 'call', attempt: 1, delayMs: 5, error: { message: 'transient 1' } },
      { nodeId: 'call', attempt: 2, delayMs: 10, error: { message: 'transient 2' } },
    ])
    expect(events.find((event) => event.type === 'node.end' && event.nodeId === 'call')).toMatchObject({
      attempts: 3,
    })
    calls = 0
    const error = (await bindWorkflow(definition(1), { handlers: [flaky] })
      .run()
      .catch((caught: unknown) => caught)) as WorkflowNodeError
    expect(error.message).toMatch(
      /Node "call" of workflow "retry" \(run [\w-]+\) failed after 2 attempts: transient 2\./,
    )
    expect(error.attempts).toBe(2)
    expect((error.cause as Error).message).toBe('transient 2')
  })

  it('times out a node that takes too long, aborting its signal', async () => {
    let aborted: unknown
    const hang: NodeHandler = {
      name: 'hang',
      execute: (_node, _state, { signal }) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason
          })
        }),
    }
    const bound = bindWorkflow(
      workflow('slow')
        .node('start', { type: 'start' })
        .node('wait', { type: 'handler', handler: 'hang', timeoutMs: 20 })
        .node('end', { type: 'end' })
        .edge('start', 'wait')
        .edge('wait', 'end')
        .build(),
      { handlers: [hang] },
    )
    const error = (await bound.run().catch((caught: unknown) => caught)) as WorkflowNodeError
    expect(error).toBeInstanceOf(WorkflowNodeError)
    expect(error.cause).toBeInstanceOf(NodeTimeoutError)
    expect(aborted).toBeInstanceOf(NodeTimeoutError)
    expect(error.message).toMatch(/did not finish within its timeoutMs of 20 ms/)
  })

  it('is cancelled through its signal: the running node aborts and the state is saved as cancelled', async () => {
    const controller = new AbortController()
    const saved: WorkflowState[] = []
    const hang: NodeHandler = {
      name: 'hang',
      execute: (_node, _state, { signal }) => {
        setTimeout(() => controller.abort(), 5)
        return new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        )
      },
    }
    const bound = bindWorkflow(
      workflow('cancel')
        .node('start', { type: 'start' })
        .node('wait', { type: 'handler', handler: 'hang' })
        .node('end', { type: 'end' })
        .edge('start', 'wait')
        .edge('wait', 'end')
        .build(),
      { handlers: [hang] },
    )
    const { events, onEvent } = recorder()
    const error = await bound
      .run({}, { signal: controller.signal, onEvent, checkpoint: (state) => void saved.push(state) })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RunCancelledError)
    expect(saved.at(-1)?.status).toBe('cancelled')
    expect(saved.at(-1)?.nodes.wait?.status).toBe('cancelled')
    expect(ended(events)).toEqual(['start:completed', 'wait:cancelled'])
    expect(events.at(-1)).toMatchObject({ type: 'workflow.end', status: 'cancelled' })
  })

  it('runs hooks per node kind: beforeNode changes variables or aborts, afterNode replaces output, onError recovers', async () => {
    const failing: NodeHandler = { name: 'failing', execute: () => Promise.reject(new Error('service down')) }
    const seen: string[] = []
    const definition = workflow('hooked')
      .node('start', { type: 'start' })
      .node('greet', { type: 'handler', handler: 'echo', config: 'Hello ${name}' })
      .node('call', { type: 'handler', handler: 'failing' })
      .node('end', { type: 'end', output: { greeting: '${greet.output}', call: '${call.output}' } })
      .edge('start', 'greet')
      .edge('greet', 'call')
      .edge('call', 'end')
      .build()
    const bound = bindWorkflow(definition, {
      handlers: [echo, failing],
      hooks: [
        { beforeNode: ({ node }) => void seen.push(`* ${node.id}`) },
        {
          nodeTypes: 'handler',
          beforeNode: ({ node, variables }) =>
            node.id === 'greet'
              ? { variables: { ...variables, name: String(variables.name).toUpperCase() } }
              : undefined,
          afterNode: ({ node, output }) =>
            node.id === 'greet' ? { output: `${output as string}!` } : undefined,
          onError: ({ node, error, attempts }) => ({
            output: `fallback for ${node.id} after ${attempts}: ${(error as Error).message}`,
          }),
        },
        {
          nodeTypes: ['end'],
          beforeNode: ({ outputs }) => void seen.push(`end sees ${JSON.stringify(outputs.greet)}`),
        },
      ],
    })
    const { events, onEvent } = recorder()
    const result = await bound.run({ name: 'ada' }, { onEvent })
    expect(result.output).toEqual({ greeting: 'Hello ADA!', call: 'fallback for call after 1: service down' })
    expect(result.state.variables).toEqual({ name: 'ADA' })
    expect(seen).toEqual(['* start', '* greet', '* call', '* end', 'end sees "Hello ADA!"'])
    expect(events.find((event) => event.type === 'node.end' && event.nodeId === 'call')).toMatchObject({
      status: 'completed',
      recovered: true,
    })

    const aborting = bindWorkflow(definition, {
      handlers: [echo, failing],
      hooks: { nodeTypes: 'handler', beforeNode: () => ({ abort: 'maintenance window' }) },
    })
    await expect(aborting.run({ name: 'ada' })).rejects.toThrow(
      /Node "greet" of workflow "hooked" \(run [\w-]+\) was aborted by a beforeNode hook: maintenance window\./,
    )
    const standing = bindWorkflow(definition, {
      handlers: [echo, failing],
      hooks: { onError: () => undefined },
    })
    await expect(standing.run({ name: 'ada' })).rejects.toThrow(
      /Node "call" .* failed after 1 attempt: service down/,
    )
  })

  it('calls agents, tools and LLM functions through services, forwarding nested events tagged with the node id', async () => {
    const writer = new Agent({
      name: 'writer',
      instructions: 'Write.',
      model: scriptedModel([{ text: 'A short poem about tides.' }]),
    })
    const shout = tool({
      name: 'shout',
      description: 'Upper-cases text',
      parameters: z.object({ text: z.string() }),
      execute: ({ text }, { idempotencyKey }) => ({ text: text.toUpperCase(), key: idempotencyKey }),
    })
    const rate = llmFunction({
      name: 'rate',
      instructions: 'Rate the text from 1 to 5.',
      input: z.object({ text: z.string() }),
      output: z.object({ stars: z.number() }),
      model: scriptedModel([{ text: '{"stars": 4}' }]),
    })
    const definition = workflow('pipeline')
      .node('start', { type: 'start' })
      .node('write', { type: 'agent', agent: 'writer', input: 'A poem about ${topic}' })
      .node('loud', { type: 'tool', tool: 'shout', arguments: { text: '${write.output}' } })
      .node('rating', { type: 'function', function: 'rate', input: { text: '${loud.output.text}' } })
      .node('end', {
        type: 'end',
        output: { poem: '${loud.output.text}', stars: '${rating.output.stars}', key: '${loud.output.key}' },
      })
      .edge('start', 'write')
      .edge('write', 'loud')
      .edge('loud', 'rating')
      .edge('rating', 'end')
      .build()
    const bound = bindWorkflow(definition, {
      services: createWorkflowServices({ agents: [writer], tools: [shout], functions: [rate] }),
    })
    const { events, onEvent } = recorder()
    const result = await bound.run({ topic: 'tides' }, { onEvent, runId: 'wf-1' })
    expect(result.output).toEqual({ poem: 'A SHORT POEM ABOUT TIDES.', stars: 4, key: 'wf-1:loud' })
    const nested = events.filter((event): event is NestedEvent => 'nodeRunId' in event)
    expect(nested.some((event) => event.type === 'text.delta' && event.nodeId === 'write')).toBe(true)
    expect(nested.some((event) => event.type === 'run.end' && event.nodeId === 'rating')).toBe(true)
    expect(nested.every((event) => event.runId === 'wf-1' && event.nodeRunId !== 'wf-1')).toBe(true)
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
    // The writer's text deltas arrive between its node.start and node.end.
    const types = events.map((event) => `${event.type}${'nodeId' in event ? `:${event.nodeId}` : ''}`)
    expect(types.indexOf('text.delta:write')).toBeGreaterThan(types.indexOf('node.start:write'))
    expect(types.indexOf('text.delta:write')).toBeLessThan(types.indexOf('node.end:write'))

    const badArguments = bindWorkflow(
      workflow('bad-args')
        .node('start', { type: 'start' })
        .node('loud', { type: 'tool', tool: 'shout', arguments: { text: 42 } })
        .node('end', { type: 'end' })
        .edge('start', 'loud')
        .edge('loud', 'end')
        .build(),
      { services: createWorkflowServices({ tools: [shout] }) },
    )
    await expect(badArguments.run()).rejects.toThrow(/the arguments of tool "shout" are invalid: text:/)
  })

  it('runs sub-workflows with their events tagged, validates input and output, and reports a stalled run', async () => {
    const child = bindWorkflow(
      workflow('child')
        .node('start', { type: 'start' })
        .node('end', { type: 'end', output: '${upper(word)}' })
        .edge('start', 'end')
        .build(),
    )
    const parent = bindWorkflow(
      workflow('parent')
        .input(z.object({ word: z.string() }))
        .output(z.string())
        .node('start', { type: 'start' })
        .node('sub', { type: 'workflow', workflow: 'child', input: { word: '${word}' } })
        .node('end', { type: 'end', output: '${sub.output}' })
        .edge('start', 'sub')
        .edge('sub', 'end')
        .build(),
      { workflows: [child] },
    )
    const { events, onEvent } = recorder()
    expect((await parent.run({ word: 'tide' }, { onEvent })).output).toBe('TIDE')
    expect(
      events.some((event) => event.type === 'workflow.end' && 'nodeId' in event && event.nodeId === 'sub'),
    ).toBe(true)
    await expect(parent.run({ word: 3 } as unknown as { word: string })).rejects.toThrow(
      /the input does not match the workflow's input schema: word:/,
    )
    await expect(parent.run([] as never)).rejects.toThrow(ConfigError)

    const wrongOutput = bindWorkflow(
      workflow('numbers')
        .output(z.number())
        .node('start', { type: 'start' })
        .node('end', { type: 'end', output: 'text' })
        .edge('start', 'end')
        .build(),
    )
    await expect(wrongOutput.run()).rejects.toThrow(ValidationFailedError)

    const stuck = bindWorkflow(
      workflow('stuck')
        .node('start', { type: 'start' })
        .node('check', { type: 'condition', expression: 'level' })
        .node('end', { type: 'end' })
        .edge('start', 'check')
        .edge('check', 'end', { when: '"high"' })
        .build(),
    )
    const error = (await stuck
      .run({ level: 'low' })
      .catch((caught: unknown) => caught)) as WorkflowStalledError
    expect(error).toBeInstanceOf(WorkflowStalledError)
    expect(error.message).toMatch(
      /stopped before reaching an end node: no outgoing edge matched after node "check"/,
    )
  })

  it('rejects outputs that are not JSON, naming the node', async () => {
    const dated: NodeHandler = {
      name: 'dated',
      execute: () => ({ when: new Date(0) }) as unknown as JsonValue,
    }
    const bound = bindWorkflow(
      workflow('dates')
        .node('start', { type: 'start' })
        .node('d', { type: 'handler', handler: 'dated' })
        .node('end', { type: 'end' })
        .edge('start', 'd')
        .edge('d', 'end')
        .build(),
      { handlers: [dated] },
    )
    await expect(bound.run()).rejects.toThrow(
      /Node "d" returned output\.when is a Date object, not plain JSON/,
    )
  })
})

describe('events of work that outlives its node', () => {
  it('are dropped once the node timed out', async () => {
    const late: NodeHandler = {
      name: 'late',
      execute: async (_node, _state, { emit }) => {
        await emit({ type: 'progress.early' })
        await new Promise((resolve) => setTimeout(resolve, 60))
        await emit({ type: 'progress.late' })
        return null
      },
    }
    const bound = bindWorkflow(
      workflow('late')
        .node('start', { type: 'start' })
        .node('work', { type: 'handler', handler: 'late', timeoutMs: 20 })
        .node('end', { type: 'end' })
        .edge('start', 'work')
        .edge('work', 'end')
        .build(),
      { handlers: [late] },
    )
    const { events, onEvent } = recorder()
    await expect(bound.run({}, { onEvent })).rejects.toThrow(WorkflowNodeError)
    await new Promise((resolve) => setTimeout(resolve, 80))
    const types = events.map((event) => event.type)
    expect(types).toContain('progress.early')
    expect(types).not.toContain('progress.late')
    expect(types.at(-1)).toBe('workflow.end')
  })
})
