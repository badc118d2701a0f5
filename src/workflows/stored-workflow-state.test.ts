import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../util/json.js'
import { readState } from './resume-state.js'
import {
  type CapturedWorkflowState,
  createWorkflowStateSaver,
  rebuildWorkflowState,
  type WorkflowStatePart,
} from './stored-workflow-state.js'
import type { NodeRecord, WorkflowState } from './workflow-state.js'

function newState(variables: JsonObject = { amount: 1 }): WorkflowState {
  return {
    version: 1,
    kind: 'workflow',
    runId: 'r1',
    workflow: 'w',
    status: 'running',
    variables,
    outputs: {},
    nodes: {},
    ready: ['start'],
    joins: {},
    waiting: [],
    interrupted: [],
    seq: 0,
    startedAt: 1,
  }
}

/** What the storage holds after a series of saves: every part written, and the last snapshot. */
class Store {
  parts: WorkflowStatePart[] = []
  snapshot: unknown
  save(captured: CapturedWorkflowState) {
    // Stored as JSON, as a backend would.
    if (captured.part !== undefined) this.parts.push(JSON.parse(JSON.stringify(captured.part)))
    this.snapshot = JSON.parse(JSON.stringify(captured.state))
  }
  rebuilt(): unknown {
    return rebuildWorkflowState(this.snapshot, this.parts)
  }
}

type Change =
  | { kind: 'record'; node: number; status: NodeRecord['status']; runs: number }
  | { kind: 'output'; node: number; size: number }
  | { kind: 'variables'; size: number }
  | { kind: 'ready'; node: number }
  | { kind: 'resume' }

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({
    kind: fc.constant('record' as const),
    node: fc.integer({ min: 0, max: 30 }),
    status: fc.constantFrom('running', 'completed', 'failed', 'waiting', 'cancelled') as fc.Arbitrary<
      NodeRecord['status']
    >,
    runs: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constant('output' as const),
    node: fc.integer({ min: 0, max: 30 }),
    size: fc.integer({ min: 0, max: 400 }),
  }),
  fc.record({ kind: fc.constant('variables' as const), size: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ kind: fc.constant('ready' as const), node: fc.integer({ min: 0, max: 30 }) }),
  fc.constant({ kind: 'resume' as const }),
)

describe('the incremental workflow checkpoint (format 2)', () => {
  it('rebuilds exactly the state of every save, across resumes, whatever the tail limit', () => {
    fc.assert(
      fc.property(
        fc.array(change, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 2_000 }),
        (changes, tailBytes) => {
          const store = new Store()
          let state = newState()
          let saver = createWorkflowStateSaver(undefined, tailBytes)
          saver.begin(state)
          let seq = 0
          for (const step of changes) {
            // What the executor's events report: the node a change is about.
            const changed = new Set<string>()
            switch (step.kind) {
              case 'record': {
                const id = `n${step.node}`
                changed.add(id)
                const record = state.nodes[id]
                // The executor replaces a node's record when it starts, and updates it in place
                // while it runs (and a waiting node's when its answer comes), never after it ended.
                const live = record?.status === 'running' || record?.status === 'waiting'
                if (record === undefined || step.status === 'running' || !live)
                  state.nodes[id] = { status: step.status, runs: step.runs, attempts: 0 }
                else {
                  record.status = step.status
                  record.attempts += 1
                  record.durationMs = step.runs
                  if (step.status === 'failed') record.error = { name: 'Error', message: `${id} failed` }
                }
                break
              }
              case 'output':
                changed.add(`n${step.node}`)
                state.outputs[`n${step.node}`] = { text: 'x'.repeat(step.size), at: seq }
                break
              case 'variables':
                state.variables = { ...state.variables, note: 'v'.repeat(step.size) }
                break
              case 'ready':
                state.ready.push(`n${step.node}`)
                state.joins[`j${step.node}`] = { arrived: [`n${step.node}`], phase: 'waiting' }
                break
              case 'resume': {
                // Another process continues from what is stored.
                const rebuilt = store.rebuilt()
                if (rebuilt === undefined) continue
                const stored = store.snapshot
                state = readState(rebuilt, 'w')
                saver = createWorkflowStateSaver({ stored, state: rebuilt as WorkflowState }, tailBytes)
                saver.begin(state)
                continue
              }
            }
            seq++
            state.seq = seq
            store.save(saver.capture(state, seq, changed))
            expect(store.rebuilt()).toEqual(JSON.parse(JSON.stringify(state)))
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('keeps each snapshot small: what changed since the last part, the rest written once as parts', () => {
    const store = new Store()
    const state = newState()
    const saver = createWorkflowStateSaver(undefined)
    saver.begin(state)
    const sizes: number[] = []
    for (let index = 0; index < 500; index++) {
      const id = `n${index}`
      state.nodes[id] = { status: 'completed', runs: 1, attempts: 1, durationMs: 0 }
      state.outputs[id] = { text: `output of ${id}` }
      state.seq = index + 1
      store.save(saver.capture(state, index + 1))
      sizes.push(JSON.stringify(store.snapshot).length)
    }
    expect(Math.max(...sizes)).toBeLessThan(2_500)
    const written = store.parts.reduce((total, part) => total + JSON.stringify(part).length, 0)
    // Every record and output is written in a part once (plus the variables), not once per save.
    expect(written).toBeLessThan(JSON.stringify({ nodes: state.nodes, outputs: state.outputs }).length * 1.2)
    expect(store.rebuilt()).toEqual(JSON.parse(JSON.stringify(state)))
  })

  it('resumes a format 1 state as it is; its first save writes everything as a part', () => {
    const state = newState({ big: 'b'.repeat(3_000) })
    state.nodes.a = { status: 'completed', runs: 1, attempts: 1, durationMs: 3 }
    state.outputs.a = 'A'
    const stored = JSON.parse(JSON.stringify(state)) as WorkflowState
    expect(rebuildWorkflowState(stored, [])).toBe(stored)
    const resumed = readState(stored, 'w')
    const saver = createWorkflowStateSaver({ stored, state: stored })
    saver.begin(resumed)
    resumed.ready = []
    const captured = saver.capture(resumed, 5)
    expect(captured.part?.nodes).toEqual({ a: state.nodes.a })
    expect(captured.part?.variables).toEqual(state.variables)
    const store = new Store()
    store.save(captured)
    expect(store.rebuilt()).toEqual({ ...JSON.parse(JSON.stringify(resumed)), seq: 5 })
  })

  it('a damaged part or tail rebuilds to a state that validation rejects, naming the field', () => {
    const store = new Store()
    const state = newState()
    const saver = createWorkflowStateSaver(undefined, 0)
    saver.begin(state)
    state.nodes.a = { status: 'completed', runs: 1, attempts: 1 }
    store.save(saver.capture(state, 1))
    expect(store.parts).toHaveLength(1)
    const damaged = rebuildWorkflowState(store.snapshot, [{ ...store.parts[0], nodes: 'oops' }])
    expect(() => readState(damaged, 'w')).toThrow(/state\.nodes/)
    const tailless = rebuildWorkflowState({ ...(store.snapshot as object), outputs: null }, store.parts)
    expect(() => readState(tailless, 'w')).toThrow(/state\.nodes/)
  })
})
