import { describe, expect, it } from 'vitest'
import type { RunEvent } from '../../events/run-event.js'
import { createMemoryStorage } from '../memory/create-memory-storage.js'
import { createStorage, storageDriverOf } from '../create-storage.js'
import { createMemoryDriver } from '../memory/memory-driver.js'
import type { WriteOperation } from '../store-driver.js'
import {
  compactEvents,
  compactStripped,
  expandEvents,
  hasCompactForm,
  stripEvent,
  withCompactForm,
} from './event-batch.js'

const event = (seq: number, time: number, data: Record<string, unknown>) =>
  ({ ...data, runId: 'r1', seq, time }) as unknown as RunEvent

describe('compact event batches (run-event format 2)', () => {
  it('write runId, seq and time once and read every event back exactly', () => {
    const events = [
      event(4, 1_700_000_000_000, { type: 'turn.start', turn: 1 }),
      event(5, 1_700_000_000_000, { type: 'text.delta', turn: 1, delta: 'Hi' }),
      event(6, 1_700_000_000_007, { type: 'checkpoint.save', turn: 1, revision: 2, reason: 'model' }),
    ]
    const batch = compactEvents(events)
    expect(batch).toEqual({
      version: 2,
      seq: 4,
      time: 1_700_000_000_000,
      events: [
        { type: 'turn.start', turn: 1 },
        { type: 'text.delta', turn: 1, delta: 'Hi' },
        { type: 'checkpoint.save', turn: 1, revision: 2, reason: 'model' },
      ],
      dt: [0, 0, 7],
    })
    expect(expandEvents('r1', batch)).toEqual(events)
    expect(JSON.stringify(batch).length).toBeLessThan(JSON.stringify({ version: 1, events }).length * 0.75)
  })

  it('keep seqs that skip and times that are not integers as they are', () => {
    const events = [
      event(2, 10.25, { type: 'turn.start', turn: 1 }),
      event(9, 11.5, { type: 'run.end', status: 'completed', turns: 1 }),
    ]
    const batch = compactEvents(events)
    expect(batch.seqs).toEqual([2, 9])
    expect(batch.at).toEqual([10.25, 11.5])
    expect(batch.dt).toBeUndefined()
    expect(expandEvents('r1', batch)).toEqual(events)
  })

  it('are built from events stripped once as well as from the events (the journal strips each event once)', () => {
    const events = [
      event(3, 100, { type: 'node.start', nodeId: 'a', nodeType: 'handler', iteration: 1 }),
      event(4, 101, { type: 'node.end', nodeId: 'a', nodeType: 'handler', status: 'completed', attempts: 1 }),
      event(6, 101.5, { type: 'custom', name: 'x', data: { deep: [1, 2] } }),
    ]
    for (const some of [events.slice(0, 2), events]) {
      const built = compactStripped(some, some.map(stripEvent))
      expect(built).toEqual(compactEvents(some))
      expect(hasCompactForm(some)).toBe(false)
      // The writer's form is the one used, and marks the events as checked.
      const given = withCompactForm([...some], built)
      expect(compactEvents(given)).toBe(built)
      expect(hasCompactForm(given)).toBe(true)
      // A copy of the array is not given the form, nor does JSON show it.
      expect(hasCompactForm([...given])).toBe(false)
      expect(JSON.stringify(given)).toBe(JSON.stringify(some))
    }
    expect(stripEvent(events[0] as RunEvent)).toEqual({
      type: 'node.start',
      nodeId: 'a',
      nodeType: 'handler',
      iteration: 1,
    })
  })

  it('are what runs.save stores, and what readEvents gives back', async () => {
    const storage = createMemoryStorage()
    const events = [
      event(1, 5, { type: 'run.start', agent: 'a', model: 'm', input: [] }),
      event(2, 6, { type: 'checkpoint.save', turn: 0, revision: 1, reason: 'start' }),
    ]
    await storage.runs.save({
      runId: 'r1',
      agentName: 'a',
      status: 'running',
      snapshot: { version: 1 },
      expectedRevision: null,
      events,
    })
    const driver = storageDriverOf(storage)
    if (driver === undefined) throw new Error('memory storage has a driver')
    const [stored] = await driver.list('run-event', { group: 'r1' })
    expect(stored?.data).toMatchObject({ version: 2, seq: 1, time: 5, dt: [0, 1] })
    expect(JSON.stringify(stored?.data)).not.toContain('"runId"')
    expect(await storage.runs.readEvents('r1')).toEqual(events)
    expect(await storage.runs.readEvents('r1', { afterSeq: 1 })).toEqual(events.slice(1))
  })
})

describe('what a checkpoint writes', () => {
  it('rewrites the checkpoint record in place, leaving its group and order (and their index entries) alone', async () => {
    const inner = createMemoryDriver()
    const writes: WriteOperation[][] = []
    const storage = createStorage({
      ...inner,
      commit(operations, now) {
        writes.push([...operations])
        return inner.commit(operations, now)
      },
    })
    const first = await storage.runs.save({
      runId: 'r1',
      agentName: 'a',
      status: 'running',
      snapshot: { version: 1 },
      expectedRevision: null,
    })
    await storage.runs.save({
      runId: 'r1',
      agentName: 'a',
      status: 'running',
      snapshot: { version: 1, turn: 2 },
      expectedRevision: first.revision,
    })
    const checkpoints = writes.flat().filter((operation) => operation.collection === 'run-checkpoint')
    expect(checkpoints).toHaveLength(2)
    for (const operation of checkpoints) expect(operation).toMatchObject({ type: 'put', keepPosition: true })
  })
})
