import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import { StoredDataError } from '../storage/storage-errors.js'
import type { JsonValue } from '../util/json.js'
import { bindWorkflow } from './bind-workflow.js'
import type { NodeHandler } from './node-handler.js'
import { workflow } from './workflow-builder.js'
import type { WorkflowEvent } from './workflow-event.js'
import type { WorkflowState } from './workflow-state.js'

const definition = workflow('order')
  .node('start', { type: 'start' })
  .node('charge', { type: 'handler', handler: 'work', config: 'charged ${amount}' })
  .node('label', { type: 'handler', handler: 'work', config: 'label', idempotent: true })
  .node('split', { type: 'parallel' })
  .node('email', { type: 'handler', handler: 'work', config: 'emailed' })
  .node('sms', { type: 'handler', handler: 'work', config: 'texted', idempotent: true })
  .node('join', { type: 'join' })
  .node('approve', { type: 'human', prompt: 'Ship order of ${amount}?' })
  .node('ship', { type: 'handler', handler: 'work', config: 'shipped: ${approve.output.ok}' })
  .node('end', {
    type: 'end',
    output: { charge: '${charge.output}', ship: '${ship.output}', notified: '${join.output}' },
  })
  .edge('start', 'charge')
  .edge('charge', 'label')
  .edge('label', 'split')
  .edge('split', 'email')
  .edge('split', 'sms')
  .edge('email', 'join')
  .edge('sms', 'join')
  .edge('join', 'approve')
  .edge('approve', 'ship')
  .edge('ship', 'end')
  .build()

/** A fresh process's view: its own handler and ledger of node executions. */
function freshProcess() {
  const executed: string[] = []
  const work: NodeHandler = {
    name: 'work',
    execute: async (node) => {
      executed.push(node.id)
      await Promise.resolve()
      return node.config
    },
  }
  const saved: WorkflowState[] = []
  const events: WorkflowEvent[] = []
  return {
    executed,
    saved,
    events,
    bound: bindWorkflow(definition, { handlers: [work] }),
    options: {
      checkpoint: (state: WorkflowState) => void saved.push(JSON.parse(JSON.stringify(state))),
      onEvent: (event: WorkflowEvent) => void events.push(event),
    },
  }
}

describe('resuming a workflow', () => {
  it('pauses for a person and resumes from the saved state in another process', async () => {
    const first = freshProcess()
    const paused = await first.bound.run({ amount: 30 }, first.options)
    expect(paused.status).toBe('awaiting_input')
    expect(paused.waiting).toEqual([{ nodeId: 'approve', prompt: 'Ship order of 30?' }])
    expect(first.saved.at(-1)).toEqual(paused.state)
    expect(first.events.at(-1)).toMatchObject({
      type: 'workflow.end',
      status: 'awaiting_input',
      waiting: paused.waiting,
    })

    const second = freshProcess()
    const done = await second.bound.resume(JSON.parse(JSON.stringify(paused.state)), {
      input: { ok: true },
      ...second.options,
    })
    expect(done.status).toBe('completed')
    expect(done.output).toEqual({
      charge: 'charged 30',
      ship: 'shipped: true',
      notified: { email: 'emailed', sms: 'texted' },
    })
    expect(second.executed).toEqual(['ship'])
    expect(second.events[0]).toMatchObject({
      type: 'workflow.start',
      resumed: true,
      seq: paused.state.seq + 1,
    })
    expect(second.events[1]).toMatchObject({ type: 'node.end', nodeId: 'approve', status: 'completed' })

    await expect(second.bound.resume(paused.state, { inputs: { ship: 1 } })).rejects.toThrow(
      /node "ship" is not waiting for input \(waiting: approve\)/,
    )
    await expect(second.bound.resume(done.state, {})).resolves.toMatchObject({
      status: 'completed',
      output: done.output,
    })
    // Without an answer the run stays paused.
    await expect(second.bound.resume(paused.state)).resolves.toMatchObject({ status: 'awaiting_input' })
  })

  it('restarted from every checkpoint, skips completed nodes and re-runs only idempotent interrupted ones', async () => {
    const reference = freshProcess()
    const paused = await reference.bound.run({ amount: 30 }, reference.options)
    const done = await reference.bound.resume(paused.state, { input: { ok: true }, ...reference.options })
    const expected = done.output
    expect(reference.saved.length).toBeGreaterThan(10)

    for (const [index, checkpoint] of reference.saved.entries()) {
      const process = freshProcess()
      const completedBefore = Object.entries(checkpoint.nodes)
        .filter(([, record]) => record.status === 'completed')
        .map(([id]) => id)
      let result = await process.bound.resume(structuredClone(checkpoint), process.options)
      if (result.status === 'needs_review') {
        // A non-idempotent node had started: it is not run again without a decision.
        expect(result.interrupted.length, `checkpoint ${index}`).toBeGreaterThan(0)
        for (const id of result.interrupted) expect(['charge', 'email', 'ship']).toContain(id)
        expect(process.executed).toEqual([])
        const review = Object.fromEntries(result.interrupted.map((id) => [id, 'rerun' as const]))
        result = await process.bound.resume(result.state, { review, ...process.options })
      }
      if (result.status === 'awaiting_input')
        result = await process.bound.resume(result.state, { input: { ok: true }, ...process.options })
      expect(result.status, `checkpoint ${index}`).toBe('completed')
      expect(result.output, `checkpoint ${index}`).toEqual(expected)
      for (const id of completedBefore)
        expect(process.executed, `checkpoint ${index}: ${id} ran again`).not.toContain(id)
      expect(new Set(process.executed).size, `checkpoint ${index}`).toBe(process.executed.length)
    }
  })

  it('completes an interrupted node with an output given in review, without running it', async () => {
    const first = freshProcess()
    let crashed: WorkflowState | undefined
    await first.bound.run(
      { amount: 5 },
      {
        checkpoint: (state) => {
          if (crashed === undefined && state.nodes.charge?.status === 'running')
            crashed = structuredClone(state)
        },
      },
    )
    const second = freshProcess()
    const review = await second.bound.resume(crashed as WorkflowState)
    expect(review).toMatchObject({ status: 'needs_review', interrupted: ['charge'] })
    expect(second.executed).toEqual([])
    const resumed = await second.bound.resume(review.state, {
      review: { charge: { output: 'charged by hand' } },
    })
    expect(resumed.status).toBe('awaiting_input')
    expect(second.executed).not.toContain('charge')
    expect(resumed.state.outputs.charge).toBe('charged by hand')
    await expect(second.bound.resume(review.state, { review: { label: 'rerun' } })).rejects.toThrow(
      /review names node "label", which was not interrupted/,
    )
  })

  it('saves before it tells: a node.end event is only emitted once a checkpoint holds the node', async () => {
    const process = freshProcess()
    const problems: string[] = []
    await process.bound.run(
      { amount: 1 },
      {
        checkpoint: process.options.checkpoint,
        onEvent: (event) => {
          if (event.type !== 'node.end' || !('status' in event) || event.status !== 'completed') return
          const last = process.saved.at(-1)
          if (last?.nodes[event.nodeId]?.status !== 'completed') problems.push(event.nodeId as string)
          if ((last?.seq ?? 0) < event.seq) problems.push(`seq ${event.seq}`)
        },
      },
    )
    expect(problems).toEqual([])
  })

  it('rejects a saved state that is corrupt, newer, or of another workflow', async () => {
    const { bound } = freshProcess()
    const paused = await bound.run({ amount: 1 })
    await expect(
      bound.resume({ ...paused.state, nodes: { charge: { status: 'done' } } } as never),
    ).rejects.toThrow(StoredDataError)
    await expect(bound.resume({ ...paused.state, version: 9 } as never)).rejects.toThrow(
      /format version 9 by a newer agentloop/,
    )
    await expect(bound.resume({ ...paused.state, workflow: 'other' })).rejects.toThrow(ConfigError)
    const answer: JsonValue = { ok: false }
    await expect(
      bound.resume(paused.state, { input: answer, inputs: { approve: answer } }),
    ).resolves.toMatchObject({ status: 'completed' })
  })
})
