import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RunEvent } from '../events/run-event.js'
import { storageDriverOf } from '../storage/create-storage.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import { type RunnableSnapshot, RunnableJournal } from './runnable-journal.js'

const TIME = 1_700_000_000_000
const runId = 'held-run'
const snapshot: RunnableSnapshot = { version: 1, format: 'runnable', input: [], steps: {}, attempts: 0 }

/** A stored run and a journal continuing it (no events yet). */
async function journalOf(): Promise<{ storage: Storage; journal: RunnableJournal }> {
  const storage = createMemoryStorage()
  const saved = await storage.runs.save({
    runId,
    agentName: 'held',
    status: 'queued',
    snapshot,
    expectedRevision: null,
  })
  const journal = new RunnableJournal({
    storage,
    runId,
    name: 'held',
    kind: 'agent',
    revision: saved.revision,
    seq: 0,
  })
  return { storage, journal }
}

type Data = string | { nested: string[] }

/** `text` as the event's data: as it is, or nested in an object (`unit` is '[nested]'). */
const wrap = (text: string, unit: string): Data => (unit === '[nested]' ? { nested: [text] } : text)

/** The JSON size of the custom event with `data` the journal stamps with `seq` (at TIME). */
const sizeOf = (seq: number, data: Data) =>
  JSON.stringify({ type: 'custom', name: 'x', data, runId, seq, time: TIME }).length

/** Data whose event (stamped with `seq`) is `size` long, made of `unit` (escaped, nested or not). */
function dataOfSize(seq: number, size: number, unit: string): Data {
  const piece = unit === '[nested]' ? 'ab' : unit
  let text = ''
  while (sizeOf(seq, wrap(text + piece, unit)) <= size) text += piece
  while (sizeOf(seq, wrap(`${text}a`, unit)) <= size) text += 'a'
  expect(sizeOf(seq, wrap(text, unit))).toBe(size)
  return wrap(text, unit)
}

async function recordsOf(storage: Storage): Promise<number> {
  return (await storageDriverOf(storage)?.list('run-event', { group: runId }))?.length ?? 0
}

describe('the journal holds the events of a save in the checkpoint up to 3 KB of JSON', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(TIME)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  for (const [name, unit] of [
    ['plain text', 'ab'],
    ['text JSON escapes', 'é"\n\\\u0001\ud83d\ude00'],
    ['nested data', '[nested]'],
  ] as const) {
    it(`holds events of exactly 3,072 characters of JSON, not one more (${name})`, async () => {
      const { storage, journal } = await journalOf()
      journal.stage({ type: 'custom', name: 'x', data: dataOfSize(1, 2_000, unit) })
      await journal.save('running', snapshot)
      journal.stage({ type: 'custom', name: 'x', data: dataOfSize(2, 1_072, unit) })
      await journal.save('running', snapshot)
      const held = (await storage.runs.load<RunnableSnapshot>(runId))?.snapshot.heldEvents
      expect(held?.map((event) => event.seq)).toEqual([1, 2])
      expect(held?.reduce((sum, event) => sum + JSON.stringify(event).length, 0)).toBe(3_072)
      expect(await recordsOf(storage)).toBe(0)

      // One character more moves them all into an event record.
      journal.stage({ type: 'custom', name: 'x', data: '' })
      await journal.save('running', snapshot)
      expect((await storage.runs.load<RunnableSnapshot>(runId))?.snapshot.heldEvents).toBeUndefined()
      expect(await recordsOf(storage)).toBe(1)
      const log = await storage.runs.readEvents(runId)
      expect(log.map((event: RunEvent) => event.seq)).toEqual([1, 2, 3])
      expect(log[0]).toEqual({
        type: 'custom',
        name: 'x',
        data: dataOfSize(1, 2_000, unit),
        runId,
        seq: 1,
        time: TIME,
      })
    })

    it(`does not hold an event of 3,073 characters (${name})`, async () => {
      const { storage, journal } = await journalOf()
      journal.stage({ type: 'custom', name: 'x', data: dataOfSize(1, 3_073, unit) })
      await journal.save('running', snapshot)
      expect((await storage.runs.load<RunnableSnapshot>(runId))?.snapshot.heldEvents).toBeUndefined()
      expect(await recordsOf(storage)).toBe(1)
    })
  }

  it('holds again after a save moved them, and stores what it holds with the run end', async () => {
    const { storage, journal } = await journalOf()
    for (let seq = 1; seq <= 3; seq++) {
      journal.stage({ type: 'custom', name: 'x', data: dataOfSize(seq, 1_200, 'ab') })
      await journal.save('running', snapshot)
    }
    // 1,200 + 1,200 held; the third passed 3,072: all three in a record. Then one held again.
    journal.stage({ type: 'custom', name: 'x', data: 'small' })
    await journal.save('running', snapshot)
    expect(
      (await storage.runs.load<RunnableSnapshot>(runId))?.snapshot.heldEvents?.map((e) => e.seq),
    ).toEqual([4])
    expect(await recordsOf(storage)).toBe(1)
    await journal.save('completed', snapshot, {
      end: {
        type: 'run.end',
        status: 'completed',
        usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
        turns: 0,
      },
    })
    expect((await storage.runs.load<RunnableSnapshot>(runId))?.snapshot.heldEvents).toBeUndefined()
    expect((await storage.runs.readEvents(runId)).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5])
  })
})
