import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import type { RunnableSnapshot } from '../run/runnable-journal.js'
import { Runtime } from '../run/runtime.js'
import type { SaveRunInput } from '../storage/run-repository.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { createSqliteStorage } from '../storage/sqlite/create-sqlite-storage.js'
import type { Storage } from '../storage/storage.js'
import type { JsonObject } from '../util/json.js'
import { bindWorkflow } from './bind-workflow.js'
import type { NodeHandler } from './node-handler.js'
import { rebuildWorkflowState, type StoredWorkflowState } from './stored-workflow-state.js'
import { type WorkflowBuilder, workflow } from './workflow-builder.js'
import type { WorkflowState } from './workflow-state.js'

const dir = mkdtempSync(join(tmpdir(), 'agentloop-workflow-incremental-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// Eight nodes whose outputs (about 600 characters each) fill the snapshot's tail every few nodes,
// so the run's state is stored in several parts; then a person approves.
const STEPS = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8']
let builder: WorkflowBuilder<string> = workflow('long')
  .node('start', { type: 'start' })
  .node('end', {
    type: 'end',
    output: { first: '${s1.output.text}', last: '${s8.output.text}', approved: '${approve.output.ok}' },
  })
let previous = 'start'
for (const id of STEPS) {
  builder = builder.node(id, { type: 'handler', handler: 'work', idempotent: true }).edge(previous, id)
  previous = id
}
const long = builder
  .node('approve', { type: 'human', prompt: 'Approve?' })
  .edge(previous, 'approve')
  .edge('approve', 'end')
  .build()

function processOn(storage: Storage, options: { failAt?: string } = {}) {
  const executed: string[] = []
  let failed = false
  const work: NodeHandler = {
    name: 'work',
    execute: (node) => {
      executed.push(node.id)
      if (node.id === options.failAt && !failed) {
        failed = true
        throw new Error('flaky downstream service')
      }
      return { text: `${node.id} `.repeat(150) }
    },
  }
  const bound = bindWorkflow(long, { handlers: [work] })
  const runtime = new Runtime({ storage, runnables: [bound], runner: { retryDelayMs: 1 } })
  return { runtime, bound, executed }
}

async function stored(storage: Storage, runId: string) {
  const checkpoint = await storage.runs.load<RunnableSnapshot>(runId)
  if (checkpoint === null) throw new Error(`no run ${runId}`)
  return { snapshot: checkpoint.snapshot, parts: checkpoint.parts }
}

describe('a workflow run of the Runtime saves its state incrementally (format 2)', () => {
  it('stores what changed since the last part with each node, and the rest once, as parts', async () => {
    const storage = createMemoryStorage()
    const { runtime, bound, executed } = processOn(storage)
    const paused = await runtime.run(bound, '{"amount": 3}', { runId: 'inc' })
    expect(paused.status).toBe('awaiting_input')
    expect(executed).toEqual(STEPS)
    const { snapshot, parts } = await stored(storage, 'inc')
    const state = snapshot.state as unknown as StoredWorkflowState
    expect(state.version).toBe(2)
    expect(parts.length).toBeGreaterThan(1)
    expect(snapshot.parts).toBe(parts.length)
    // The snapshot holds a few nodes, not all of them; rebuilt, the state has every one.
    expect(Object.keys(state.nodes).length).toBeLessThan(STEPS.length)
    const rebuilt = rebuildWorkflowState(state, parts) as WorkflowState
    expect(Object.keys(rebuilt.outputs).sort()).toEqual([...STEPS, 'start'].sort())
    expect(rebuilt.waiting).toEqual([{ nodeId: 'approve', prompt: 'Approve?' }])

    const done = await runtime.resume('inc', { input: { approve: { ok: true } } })
    expect(done.output).toEqual({ first: 's1 '.repeat(150), last: 's8 '.repeat(150), approved: true })
    expect(executed).toEqual(STEPS)
    await runtime.close()
  })

  it('saves the state of its end (completed, or waiting) with the run’s end, in one write', async () => {
    const storage = createMemoryStorage()
    const writes: { status: string; state: StoredWorkflowState; events: string[] }[] = []
    const save = storage.runs.save.bind(storage.runs)
    storage.runs.save = ((input: SaveRunInput<RunnableSnapshot>) => {
      const snapshot = input.snapshot as RunnableSnapshot
      const events = [...(snapshot.heldEvents ?? []), ...(input.events ?? [])]
      writes.push({
        status: input.status,
        state: snapshot.state as unknown as StoredWorkflowState,
        events: events.map((event) => event.type),
      })
      return save(input)
    }) as Storage['runs']['save']
    const { runtime, bound } = processOn(storage)
    await runtime.run(bound, '{}', { runId: 'ends' })
    await runtime.resume('ends', { input: { approve: { ok: true } } })
    const ends = writes.filter((write) => write.events.includes('workflow.end'))
    expect(ends.map((write) => [write.status, write.state.status, write.events.at(-1)])).toEqual([
      ['awaiting_input', 'awaiting_input', 'run.end'],
      ['completed', 'completed', 'run.end'],
    ])
    const { snapshot, parts } = await stored(storage, 'ends')
    const rebuilt = rebuildWorkflowState(snapshot.state, parts) as WorkflowState
    expect(rebuilt).toMatchObject({ status: 'completed', output: { approved: true } })
    expect(snapshot.parts).toBe(parts.length)
    const events = await storage.runs.readEvents('ends')
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
    expect(events.slice(-2).map((event) => event.type)).toEqual(['workflow.end', 'run.end'])
    await runtime.close()
  })

  it('a retried run rebuilds its state from the parts: completed nodes do not run again', async () => {
    const storage = createMemoryStorage()
    const { runtime, bound, executed } = processOn(storage, { failAt: 's6' })
    const paused = await runtime.run(bound, '{}', { runId: 'retry' })
    expect(paused.status).toBe('awaiting_input')
    expect(executed).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's6', 's7', 's8'])
    const events = await storage.runs.readEvents('retry')
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
    await runtime.close()
  })

  it('resumes a paused run from another Runtime on the same SQLite file; a bad answer changes nothing', async () => {
    const path = join(dir, 'paused.db')
    const firstStorage = createSqliteStorage({ path })
    const first = processOn(firstStorage)
    await first.runtime.run(first.bound, '{}', { runId: 'p1' })
    await first.runtime.close()
    await firstStorage.close()

    const secondStorage = createSqliteStorage({ path })
    const second = processOn(secondStorage)
    const before = await stored(secondStorage, 'p1')
    // checkInput sees the rebuilt state: it knows which node waits.
    const error = await second.runtime
      .resume('p1', { input: { s3: true } })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(
      /node "s3" of workflow "long" does not wait for input \(waiting: approve\)/,
    )
    expect(await stored(secondStorage, 'p1')).toEqual(before)
    const done = await second.runtime.resume('p1', { input: { approve: { ok: false } } })
    expect(done.output).toMatchObject({ approved: false })
    expect(second.executed).toEqual([])
    await second.runtime.close()
    await secondStorage.close()
  })

  it('resumes a run stored in format 1 (the whole state in the snapshot) by an earlier version', async () => {
    const storage = createMemoryStorage()
    const first = processOn(storage)
    await first.runtime.run(first.bound, '{}', { runId: 'old' })
    await first.runtime.close()
    // Rewrite the paused run as the previous version stored it: the whole state, no parts count.
    const { snapshot, parts } = await stored(storage, 'old')
    const whole = rebuildWorkflowState(snapshot.state, parts) as JsonObject
    const record = await storage.runs.get('old')
    const { parts: _count, ...rest } = snapshot
    await storage.runs.save({
      runId: 'old',
      agentName: 'long',
      status: 'awaiting_input',
      snapshot: { ...rest, state: whole },
      expectedRevision: record?.revision ?? null,
    })
    const second = processOn(storage)
    const done = await second.runtime.resume('old', { input: { approve: { ok: true } } })
    expect(done.output).toMatchObject({ approved: true, last: 's8 '.repeat(150) })
    expect(second.executed).toEqual([])
    // Its saves from then on are incremental.
    expect(((await stored(storage, 'old')).snapshot.state as { version: number }).version).toBe(2)
    await second.runtime.close()
  })
})
