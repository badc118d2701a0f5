import assert from 'node:assert/strict'
import type { RunEvent } from '../../events/run-event.js'
import type { JsonValue } from '../../util/json.js'
import { driverOf } from './general-tests.js'
import { sampleSnapshot } from './run-tests.js'
import { rejectsWith, type SuiteContext } from './suite-context.js'

/** Events of every shape a log holds, with strings PostgreSQL's JSONB and compression must keep. */
function logOf(runId: string, from: number, to: number): RunEvent[] {
  const events: RunEvent[] = []
  for (let seq = from; seq <= to; seq++) {
    const base = { runId, seq, time: 1_700_000_000_000 + seq * 7 }
    events.push(
      (seq % 3 === 0
        ? { ...base, type: 'text.delta', turn: 1, delta: `nul \u0000, lone \udc00, emoji 🚀, ${seq}` }
        : seq % 3 === 1
          ? { ...base, type: 'turn.start', turn: seq }
          : {
              ...base,
              type: 'tool.end',
              turn: 1,
              callId: `c${seq}`,
              toolName: 'search',
              output: 'x'.repeat(seq * 10),
              isError: false,
              durationMs: 0.1 + seq / 3,
            }) as RunEvent,
    )
  }
  return events
}

export function retentionTests({ describe, it }: SuiteContext): void {
  describe('events held in a checkpoint (snapshot.heldEvents)', () => {
    it('are part of the log: read in seq order with the records, counted by lastEventSeq, moved into a record by a later save', async (storage) => {
      const save = (
        revision: number | null,
        options: { held?: RunEvent[]; events?: RunEvent[]; status?: 'running' | 'failed' },
      ) =>
        storage.runs.save({
          runId: 'h',
          agentName: 'flow',
          status: options.status ?? 'running',
          snapshot: {
            version: 1,
            format: 'runnable',
            ...(options.held === undefined ? {} : { heldEvents: options.held }),
          },
          expectedRevision: revision,
          ...(options.events === undefined ? {} : { events: options.events }),
        })
      const first = await save(null, { events: logOf('h', 1, 3), held: logOf('h', 4, 6) })
      assert.deepEqual(await storage.runs.readEvents('h'), logOf('h', 1, 6))
      assert.equal(await storage.runs.lastEventSeq('h'), 6)
      assert.deepEqual(await storage.runs.readEvents('h', { afterSeq: 2, limit: 3 }), logOf('h', 3, 5))
      assert.deepEqual(await storage.runs.readEvents('h', { afterSeq: 4 }), logOf('h', 5, 6))
      // Held events come back in the loaded snapshot, as they were saved.
      const loaded = await storage.runs.load('h')
      assert.deepEqual(loaded?.snapshot.heldEvents, logOf('h', 4, 6))
      // A save that passes the loaded snapshot on keeps them; a record appended after them is merged.
      const second = await storage.runs.save({
        runId: 'h',
        agentName: 'flow',
        status: 'failed',
        snapshot: loaded?.snapshot as { version: number },
        expectedRevision: first.revision,
        events: logOf('h', 7, 7),
      })
      assert.deepEqual(await storage.runs.readEvents('h'), logOf('h', 1, 7))
      assert.deepEqual(await storage.runs.readEvents('h', { afterSeq: 3, limit: 2 }), logOf('h', 4, 5))
      assert.equal(await storage.runs.lastEventSeq('h'), 7)
      // Moved into a record: the same log.
      await save(second.revision, { events: [...logOf('h', 4, 6), ...logOf('h', 8, 9)], status: 'failed' })
      assert.deepEqual(await storage.runs.readEvents('h'), logOf('h', 1, 9))
      assert.equal((await storage.runs.load('h'))?.snapshot.heldEvents, undefined)
      await rejectsWith(save(null, { held: logOf('other', 1, 1) }), 'ConfigError', /heldEvents\[0\]\.runId/)
    })

    it('move into the log when the checkpoint is pruned or the run compacted', async (storage) => {
      for (const [runId, retain] of [
        ['p', (id: string) => storage.runs.pruneCheckpoint(id)],
        ['c', (id: string) => storage.runs.compact(id)],
      ] as const) {
        await storage.runs.save({
          runId,
          agentName: 'flow',
          status: 'cancelled',
          snapshot: { version: 1, heldEvents: logOf(runId, 3, 5) },
          expectedRevision: null,
          events: logOf(runId, 1, 2),
        })
        assert.equal(await retain(runId), true)
        assert.equal(await storage.runs.load(runId), null)
        assert.deepEqual(await storage.runs.readEvents(runId), logOf(runId, 1, 5))
        assert.equal(await storage.runs.lastEventSeq(runId), 5)
      }
    })
  })

  describe('retention', () => {
    it('compacts a finished run: its checkpoint is dropped, its event log archived in one record and read back identical', async (storage) => {
      const snapshot = sampleSnapshot('r', 3)
      const first = await storage.runs.save({
        runId: 'r',
        agentName: 'planner',
        status: 'running',
        snapshot,
        expectedRevision: null,
        events: logOf('r', 1, 4),
        part: { messages: snapshot.messages as unknown as JsonValue },
      })
      // one event per record (format 1), a batch between checkpoints, a checkpoint's batch
      await storage.runs.appendEvents('r', logOf('r', 5, 6))
      await storage.runs.appendEvents('r', logOf('r', 7, 20), { expectedRevision: first.revision })
      await storage.runs.save({
        runId: 'r',
        agentName: 'planner',
        status: 'completed',
        snapshot,
        expectedRevision: first.revision,
        events: logOf('r', 21, 23),
        part: { messages: [] },
      })
      const before = await storage.runs.readEvents('r')
      assert.equal(before.length, 23)
      const afterFive = await storage.runs.readEvents('r', { afterSeq: 5, limit: 4 })

      assert.equal(await storage.runs.compact('r'), true)
      assert.deepEqual(await storage.runs.readEvents('r'), before)
      assert.deepEqual(await storage.runs.readEvents('r', { afterSeq: 5, limit: 4 }), afterFive)
      assert.deepEqual(await storage.runs.readEvents('r', { afterSeq: 23 }), [])
      assert.equal(await storage.runs.lastEventSeq('r'), 23)
      assert.equal(await storage.runs.load('r'), null, 'the checkpoint is gone')
      assert.equal((await storage.runs.get('r'))?.status, 'completed', 'the record stays')
      const records = await driverOf(storage).list('run-event', { group: 'r' })
      assert.equal(records.length, 1)
      assert.equal(records[0]?.data.version, 3)
      assert.deepEqual(await driverOf(storage).list('run-part', { group: 'r' }), [])
      // nothing left to do; the archive is read the same after a second call
      assert.equal(await storage.runs.compact('r'), false)
      assert.deepEqual(await storage.runs.readEvents('r'), before)
      // a late event (appendEvents after the end) is read with the archive, and archived with it next time
      await storage.runs.appendEvents('r', logOf('r', 24, 24))
      assert.deepEqual(await storage.runs.readEvents('r'), [...before, ...logOf('r', 24, 24)])
      assert.equal(await storage.runs.compact('r'), true)
      assert.equal((await driverOf(storage).list('run-event', { group: 'r' })).length, 1)
      assert.deepEqual(await storage.runs.readEvents('r'), [...before, ...logOf('r', 24, 24)])
      // an event filling a gap inside the archived range is kept too
      await storage.runs.save({
        runId: 'gap',
        agentName: 'planner',
        status: 'completed',
        snapshot: { version: 1 },
        events: [...logOf('gap', 1, 2), ...logOf('gap', 4, 5)],
      })
      assert.equal(await storage.runs.compact('gap'), true)
      await storage.runs.appendEvents('gap', logOf('gap', 3, 3))
      assert.equal(await storage.runs.compact('gap'), true)
      assert.deepEqual(await storage.runs.readEvents('gap'), logOf('gap', 1, 5))
      assert.equal((await driverOf(storage).list('run-event', { group: 'gap' })).length, 1)
      // delete still removes everything
      assert.equal(await storage.runs.delete('r'), true)
      assert.deepEqual(await storage.runs.readEvents('r'), [])
    })

    it('compacts only finished runs, and answers false for unknown ones or runs without events', async (storage) => {
      await storage.runs.save({
        runId: 'paused',
        agentName: 'planner',
        status: 'awaiting_approval',
        snapshot: { version: 1 },
        events: logOf('paused', 1, 2),
      })
      await rejectsWith(storage.runs.compact('paused'), 'ConfigError', /awaiting_approval; only a completed/)
      assert.equal((await storage.runs.readEvents('paused')).length, 2, 'a refused compaction writes nothing')
      assert.equal(await storage.runs.compact('missing'), false)
      await rejectsWith(storage.runs.compact(''), 'ConfigError', /runId/)
      await storage.runs.save({
        runId: 'quiet',
        agentName: 'planner',
        status: 'failed',
        snapshot: { version: 1 },
      })
      assert.equal(await storage.runs.compact('quiet'), true, 'its checkpoint is dropped')
      assert.equal(await storage.runs.compact('quiet'), false)
      assert.deepEqual(await storage.runs.readEvents('quiet'), [])
    })

    it('stores a message without the ids its key holds (format 2), with a short time-ordered id', async (storage) => {
      const [first, second] = await storage.sessions.append('s', [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
      ])
      assert.match(first?.id ?? '', /^[0-9a-z]{10}[0-9A-Za-z_-]{6}$/)
      assert.ok((first?.id ?? '') < (second?.id ?? ''), 'ids of one process sort by creation')
      const records = await driverOf(storage).list('session-message', { group: 's' })
      const stored = records.find((record) => record.data.parentId === first?.id)
      assert.deepEqual(stored?.data, {
        version: 2,
        parentId: first?.id,
        message: { role: 'assistant', content: 'Hello' },
      })
      assert.deepEqual(
        (await storage.sessions.entries('s')).map((entry) => [entry.id, entry.parentId]),
        [
          [first?.id, null],
          [second?.id, first?.id],
        ],
      )
    })
  })
}
