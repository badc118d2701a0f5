import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Agent } from '../agent/agent.js'
import { ConfigError, RunCancelledError, RunTimeoutError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import { Runtime } from '../run/runtime.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { createSqliteStorage } from '../storage/sqlite/create-sqlite-storage.js'
import type { Storage } from '../storage/storage.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { bindWorkflow } from './bind-workflow.js'
import type { NodeHandler } from './node-handler.js'
import { workflow } from './workflow-builder.js'
import { createWorkflowServices } from './workflow-services.js'

const dir = mkdtempSync(join(tmpdir(), 'agentloop-workflow-runtime-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const order = workflow('order')
  .node('start', { type: 'start' })
  .node('charge', { type: 'handler', handler: 'work', config: 'charged ${amount}' })
  .node('approve', { type: 'human', prompt: 'Ship the order of ${amount}?' })
  .node('ship', { type: 'handler', handler: 'work', config: 'shipped: ${approve.output.ok}' })
  .node('end', { type: 'end', output: { charge: '${charge.output}', ship: '${ship.output}' } })
  .edge('start', 'charge')
  .edge('charge', 'approve')
  .edge('approve', 'ship')
  .edge('ship', 'end')
  .build()

const quick = workflow('quick')
  .node('start', { type: 'start' })
  .node('a', { type: 'handler', handler: 'work', config: 'A ${message}' })
  .node('b', { type: 'handler', handler: 'work', config: 'B' })
  .node('end', { type: 'end', output: ['${a.output}', '${b.output}'] })
  .edge('start', 'a')
  .edge('a', 'b')
  .edge('b', 'end')
  .build()

/** One process's view: its own handler and ledger of node executions, on `storage`. */
function processOn(storage: Storage, options: { failOnce?: string } = {}) {
  const executed: string[] = []
  let failed = false
  const work: NodeHandler = {
    name: 'work',
    execute: async (node) => {
      executed.push(node.id)
      if (node.id === options.failOnce && !failed) {
        failed = true
        throw new Error('flaky downstream service')
      }
      return node.config
    },
  }
  const runtime = new Runtime({ storage, runner: { retryDelayMs: 1 } })
  const bound = {
    order: bindWorkflow(order, { handlers: [work] }),
    quick: bindWorkflow(quick, { handlers: [work] }),
  }
  runtime.register(bound.order)
  runtime.register(bound.quick)
  return { runtime, executed, storage, bound }
}

/** Everything stored about a run, to compare before and after a rejected call. */
async function storedView(storage: Storage, runId: string) {
  return {
    record: await storage.runs.get(runId),
    checkpoint: await storage.runs.load(runId),
    events: await storage.runs.readEvents(runId),
  }
}

function expectOneLog(events: readonly RunEvent[]) {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
}

describe('a workflow registered on the Runtime', () => {
  it('runs with runtime.run: one stored run, one event log with seq, workflow and node events, one run.end', async () => {
    const storage = createMemoryStorage()
    const { runtime, executed, bound } = processOn(storage)
    const result = await runtime.run(bound.quick, 'hello', { runId: 'q1' })
    expect(result.status).toBe('completed')
    expect(result.output).toEqual(['A hello', 'B'])
    expect(executed).toEqual(['a', 'b'])
    const record = await storage.runs.get('q1')
    expect(record).toMatchObject({ status: 'completed', agentName: 'quick' })
    const events = await storage.runs.readEvents('q1')
    expectOneLog(events)
    expect(events.map((event) => event.type)).toEqual([
      'run.start',
      'workflow.start',
      'node.start',
      'node.end',
      'node.start',
      'node.end',
      'node.start',
      'node.end',
      'node.start',
      'node.end',
      'workflow.end',
      'run.end',
    ])
    expect(events.map((event) => event.type === 'node.end' && event.nodeId).filter(Boolean)).toEqual([
      'start',
      'a',
      'b',
      'end',
    ])
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'completed', output: ['A hello', 'B'] })
    await runtime.close()
  })

  it('takes its variables from a JSON object input, and submit + wait gives the same result', async () => {
    const storage = createMemoryStorage()
    const { runtime } = processOn(storage)
    const { runId } = await runtime.submit('order', JSON.stringify({ amount: 12 }))
    const paused = await runtime.wait(runId)
    expect(paused.status).toBe('awaiting_input')
    expect(paused.status === 'awaiting_input' && paused.request).toEqual({
      waiting: [{ nodeId: 'approve', prompt: 'Ship the order of 12?' }],
    })
    await runtime.close()
  })

  it('streams the same events the run stores', async () => {
    const storage = createMemoryStorage()
    const { runtime, bound } = processOn(storage)
    const streamed: RunEvent[] = []
    const stream = runtime.stream(bound.quick, 'hi')
    for await (const event of stream) streamed.push(event)
    const result = await stream.result
    expect(result.output).toEqual(['A hi', 'B'])
    expect(streamed.at(-1)).toMatchObject({ type: 'run.end', status: 'completed' })
    expect(streamed).toEqual(await storage.runs.readEvents(stream.runId))
    await runtime.close()
  })

  it('tags the events of an agent node with the node id, wrapped so a nested run.end does not end the run', async () => {
    const storage = createMemoryStorage()
    const writer = new Agent({ name: 'writer', model: scriptedModel([{ text: 'A poem about tides.' }]) })
    const poem = workflow('poem')
      .node('start', { type: 'start' })
      .node('write', { type: 'agent', agent: 'writer', input: '${message}' })
      .node('end', { type: 'end', output: '${write.output}' })
      .edge('start', 'write')
      .edge('write', 'end')
      .build()
    const runtime = new Runtime({ storage })
    const bound = bindWorkflow(poem, { services: createWorkflowServices({ agents: [writer] }) })
    runtime.register(bound)
    const stream = runtime.stream(bound, 'tides')
    const events: RunEvent[] = []
    for await (const event of stream) events.push(event)
    expect((await stream.result).output).toBe('A poem about tides.')
    const nested = events.filter((event) => event.type === 'node.event')
    expect(nested.length).toBeGreaterThan(3)
    for (const event of nested) expect(event).toMatchObject({ nodeId: 'write' })
    expect(nested.map((event) => event.type === 'node.event' && event.event.type)).toContain('text.delta')
    expect(nested.at(-1)).toMatchObject({ event: { type: 'run.end', status: 'completed' } })
    expect(events.filter((event) => event.type === 'run.end')).toHaveLength(1)
    expect(events).toEqual(await storage.runs.readEvents(stream.runId))
    await runtime.close()
  })

  it('refuses a workflow that is not registered, and options that do not apply', async () => {
    const runtime = new Runtime({ storage: createMemoryStorage() })
    const bound = bindWorkflow(quick, { handlers: [{ name: 'work', execute: () => null }] })
    await expect(runtime.run(bound, 'x')).rejects.toThrow(/"quick" is not registered on this runtime/)
    runtime.register(bound)
    await expect(runtime.run(bound, 'x', { maxTurns: 3 } as never)).rejects.toThrow(
      /"maxTurns" does not apply to runnable "quick"/,
    )
    await runtime.close()
  })

  it('fails with RunTimeoutError when the run times out, cancelling the running node', async () => {
    const storage = createMemoryStorage()
    let aborted = false
    const slow = workflow('slow')
      .node('start', { type: 'start' })
      .node('wait', { type: 'handler', handler: 'sleep' })
      .node('end', { type: 'end' })
      .edge('start', 'wait')
      .edge('wait', 'end')
      .build()
    const sleep: NodeHandler = {
      name: 'sleep',
      execute: (_node, _state, { signal }) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true
            reject(signal.reason)
          }),
        ),
    }
    const bound = bindWorkflow(slow, { handlers: [sleep] })
    const runtime = new Runtime({ storage, runnables: [bound] })
    await expect(runtime.run(bound, 'x', { runId: 'slow', timeoutMs: 50 })).rejects.toBeInstanceOf(
      RunTimeoutError,
    )
    expect(aborted).toBe(true)
    expect(await storage.runs.get('slow')).toMatchObject({ status: 'failed' })
    expect((await storage.runs.readEvents('slow')).at(-1)).toMatchObject({
      type: 'run.end',
      status: 'failed',
      error: { name: 'RunTimeoutError' },
    })
    await runtime.close()
  })

  it('retries a failed node from the last checkpoint: completed nodes do not run again', async () => {
    const storage = createMemoryStorage()
    const { runtime, executed, bound } = processOn(storage, { failOnce: 'b' })
    const result = await runtime.run(bound.quick, 'x', { runId: 'retry' })
    expect(result.output).toEqual(['A x', 'B'])
    expect(executed).toEqual(['a', 'b', 'b'])
    const events = await storage.runs.readEvents('retry')
    expectOneLog(events)
    expect(events.filter((event) => event.type === 'run.end')).toHaveLength(1)
    expect(events.filter((event) => event.type === 'run.start').at(-1)).toMatchObject({ resumed: true })
    await runtime.close()
  })
})

describe('a human node pauses the run until runtime.resume(runId, { input })', () => {
  it('pauses with awaiting_input and resumes with the answer from a new Runtime on the same SQLite file', async () => {
    const path = join(dir, 'human.db')
    const firstStorage = createSqliteStorage({ path })
    const first = processOn(firstStorage)
    const paused = await first.runtime.run(first.bound.order, '{"amount": 30}', {
      runId: 'o1',
    })
    expect(paused.status).toBe('awaiting_input')
    expect(first.executed).toEqual(['charge'])
    expect(await firstStorage.runs.get('o1')).toMatchObject({ status: 'awaiting_input' })
    const pausedLog = await firstStorage.runs.readEvents('o1')
    expect(pausedLog.slice(-3)).toMatchObject([
      { type: 'workflow.end', status: 'awaiting_input' },
      {
        type: 'input.request',
        request: { waiting: [{ nodeId: 'approve', prompt: 'Ship the order of 30?' }] },
      },
      { type: 'run.end', status: 'awaiting_input' },
    ])
    await first.runtime.close()
    firstStorage.close()

    const secondStorage = createSqliteStorage({ path })
    const second = processOn(secondStorage)
    const done = await second.runtime.resume('o1', { input: { approve: { ok: true } } })
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({ charge: 'charged 30', ship: 'shipped: true' })
    expect(second.executed).toEqual(['ship'])
    const events = await secondStorage.runs.readEvents('o1')
    expectOneLog(events)
    const completedNodes = events.filter((event) => event.type === 'node.end' && event.status === 'completed')
    expect(completedNodes.map((event) => event.type === 'node.end' && event.nodeId)).toEqual([
      'start',
      'charge',
      'approve',
      'ship',
      'end',
    ])
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'completed' })
    // A completed run resumes to its stored result; nothing runs again.
    expect((await second.runtime.resume('o1')).output).toEqual(done.output)
    expect(second.executed).toEqual(['ship'])
    await second.runtime.close()
    secondStorage.close()
  })

  it('rejects a bad answer with an error naming the problem, and changes nothing stored', async () => {
    const storage = createSqliteStorage({ path: join(dir, 'bad-input.db') })
    const { runtime, executed, bound } = processOn(storage)
    await runtime.run(bound.order, '{"amount": 5}', { runId: 'o2' })
    const before = await storedView(storage, 'o2')
    const bad: [unknown, RegExp][] = [
      [undefined, /is awaiting_input: pass the answer as runtime.resume\("o2", \{ input \}\)/],
      [
        'yes',
        /must be an object keyed by node id, \{ \[nodeId\]: answer \}, naming nodes that wait \(approve\)/,
      ],
      [{}, /must be an object keyed by node id/],
      [
        { ship: true },
        /input\["ship"\]: node "ship" of workflow "order" does not wait for input \(waiting: approve\)/,
      ],
      [{ approve: Number.NaN }, /input/],
    ]
    for (const [input, message] of bad) {
      const error = await runtime.resume('o2', { input: input as never }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toMatch(message)
      expect(await storedView(storage, 'o2')).toEqual(before)
    }
    await expect(runtime.resume('o2', { input: { approve: 1 }, approvals: [] })).rejects.toThrow(
      /takes \{ input, context, timeoutMs, signal \}, not approvals/,
    )
    expect(await storedView(storage, 'o2')).toEqual(before)
    expect(executed).toEqual(['charge'])
    // The good answer still works afterwards.
    expect((await runtime.resume('o2', { input: { approve: { ok: false } } })).output).toEqual({
      charge: 'charged 5',
      ship: 'shipped: false',
    })
    // A run that is not paused any more takes no input.
    await expect(runtime.resume('o2', { input: { approve: 1 } })).resolves.toMatchObject({
      status: 'completed',
    })
    await runtime.close()
    storage.close()
  })

  it('a paused run can be cancelled; it then takes no input', async () => {
    const storage = createMemoryStorage()
    const { runtime, bound } = processOn(storage)
    await runtime.run(bound.order, '{"amount": 1}', { runId: 'o3' })
    expect(await runtime.cancel('o3')).toBe('awaiting_input')
    await expect(runtime.wait('o3')).rejects.toBeInstanceOf(RunCancelledError)
    await expect(runtime.resume('o3', { input: { approve: 1 } })).rejects.toThrow(
      /ended with status cancelled; only a run paused with awaiting_input or needs_review takes \{ input \}/,
    )
    await runtime.close()
  })

  it('a run stopped inside a node that is not idempotent pauses as needs_review; the review is checked, then applied', async () => {
    const storage = createMemoryStorage()
    let started: () => void = () => {}
    const running = new Promise<void>((resolve) => {
      started = resolve
    })
    const hang: NodeHandler = {
      name: 'work',
      execute: (_node, _state, { signal }) => {
        started()
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
      },
    }
    const first = new Runtime({ storage })
    first.register(bindWorkflow(quick, { handlers: [hang] }))
    await first.submit('quick', 'x', { runId: 'stopped' })
    await running
    // The worker stops mid-node (as a crash would): the run stays running at its last checkpoint.
    await first.close({ graceMs: 1 })
    expect(await storage.runs.get('stopped')).toMatchObject({ status: 'running' })

    const second = processOn(storage)
    await second.runtime.work() // recovers the orphan
    const review = await second.runtime.wait('stopped')
    expect(review).toMatchObject({ status: 'needs_review', request: { interrupted: ['a'] } })
    expect(second.executed).toEqual([])
    const before = await storedView(storage, 'stopped')
    await expect(second.runtime.resume('stopped', { input: { a: 'maybe' } })).rejects.toThrow(
      /input\["a"\]: node "a" was interrupted \(needs_review\); answer 'rerun' to run it again or \{ output \}/,
    )
    expect(await storedView(storage, 'stopped')).toEqual(before)
    const done = await second.runtime.resume('stopped', { input: { a: 'rerun' } })
    expect(done).toMatchObject({ status: 'completed', output: ['A x', 'B'] })
    expect(second.executed).toEqual(['a', 'b'])
    const events = await storage.runs.readEvents('stopped')
    expectOneLog(events)
    await second.runtime.close()
  })
})
