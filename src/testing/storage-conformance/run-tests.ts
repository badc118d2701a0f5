import assert from 'node:assert/strict'
import type { RunEvent } from '../../events/run-event.js'
import type { Message } from '../../messages/message.js'
import { rejectsWith, type SuiteContext } from './suite-context.js'

/** A snapshot shaped like the runtime's RunState. */
export function sampleSnapshot(runId: string, messageCount: number, turn = 1) {
  const messages: Message[] = [{ role: 'user', content: 'Plan a trip to Lisbon for three days.' }]
  for (let index = 1; index < messageCount; index++) {
    messages.push(
      index % 2 === 1
        ? {
            role: 'assistant',
            content: [
              { type: 'text', text: `Step ${index}: checking the weather and the flights.` },
              {
                type: 'tool-call',
                callId: `call_${index}`,
                name: 'search',
                arguments: `{"query":"lisbon ${index}"}`,
              },
            ],
          }
        : {
            role: 'tool',
            callId: `call_${index - 1}`,
            toolName: 'search',
            content: `Result ${index}: sunny, 24 degrees.`,
          },
    )
  }
  return {
    version: 1 as const,
    runId,
    agentName: 'planner',
    status: 'running' as const,
    turn,
    messages,
    inputLength: 1,
    items: [],
    usage: {
      inputTokens: 100 * turn,
      outputTokens: 20 * turn,
      totalTokens: 120 * turn,
      modelCalls: turn,
      toolCalls: 0,
    },
    toolChoice: 'auto' as const,
    outputRetries: 0,
  }
}

function event(runId: string, seq: number, type = 'turn.start'): RunEvent {
  return { type, runId, seq, time: 1_700_000_000_000 + seq, turn: seq } as unknown as RunEvent
}

export function runTests({ describe, it }: SuiteContext): void {
  describe('runs', () => {
    it('saves a checkpoint and loads the latest one back, with its record', async (storage) => {
      const first = await storage.runs.save({
        runId: 'run-1',
        agentName: 'planner',
        status: 'running',
        snapshot: sampleSnapshot('run-1', 2),
        expectedRevision: null,
        sessionId: 'session-1',
        metadata: { tenant: 'acme' },
      })
      assert.equal(first.revision, 1)
      const second = await storage.runs.save({
        runId: 'run-1',
        agentName: 'planner',
        status: 'awaiting_approval',
        snapshot: sampleSnapshot('run-1', 4, 2),
        expectedRevision: 1,
        sessionId: 'session-1',
      })
      assert.equal(second.revision, 2)
      const loaded = await storage.runs.load<ReturnType<typeof sampleSnapshot>>('run-1')
      assert.ok(loaded)
      assert.deepEqual(loaded.snapshot, sampleSnapshot('run-1', 4, 2))
      assert.equal(loaded.record.revision, 2)
      assert.equal(loaded.record.status, 'awaiting_approval')
      assert.equal(loaded.record.sessionId, 'session-1')
      assert.ok(loaded.record.createdAt <= loaded.record.updatedAt)
      const record = await storage.runs.get('run-1')
      assert.deepEqual(record, loaded.record)
    })

    it('compare-and-set: a stale or duplicate save fails with StorageConflictError and writes nothing', async (storage) => {
      await storage.runs.save({
        runId: 'r',
        agentName: 'a',
        status: 'running',
        snapshot: { version: 1, n: 1 },
        expectedRevision: null,
      })
      await rejectsWith(
        storage.runs.save({
          runId: 'r',
          agentName: 'a',
          status: 'running',
          snapshot: { version: 1, n: 2 },
          expectedRevision: null,
        }),
        'StorageConflictError',
      )
      await storage.runs.save({
        runId: 'r',
        agentName: 'a',
        status: 'running',
        snapshot: { version: 1, n: 3 },
        expectedRevision: 1,
      })
      const error = await rejectsWith(
        storage.runs.save({
          runId: 'r',
          agentName: 'a',
          status: 'completed',
          snapshot: { version: 1, n: 4 },
          expectedRevision: 1,
          events: [event('r', 1)],
        }),
        'StorageConflictError',
        /expected revision 1, found revision 2/,
      )
      assert.equal((error as Error & { actualRevision: number }).actualRevision, 2)
      const loaded = await storage.runs.load('r')
      assert.deepEqual(loaded?.snapshot, { version: 1, n: 3 })
      assert.deepEqual(await storage.runs.readEvents('r'), [])
      // without expectedRevision a save overwrites
      const forced = await storage.runs.save({
        runId: 'r',
        agentName: 'a',
        status: 'running',
        snapshot: { version: 1, n: 5 },
      })
      assert.equal(forced.revision, 3)
    })

    it('lets exactly one of several concurrent workers resume a run', async (storage) => {
      await storage.runs.save({
        runId: 'r',
        agentName: 'a',
        status: 'running',
        snapshot: { version: 1 },
        expectedRevision: null,
      })
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, (_, worker) =>
          storage.runs.save({
            runId: 'r',
            agentName: 'a',
            status: 'running',
            snapshot: { version: 1, worker },
            expectedRevision: 1,
          }),
        ),
      )
      const won = attempts.filter((attempt) => attempt.status === 'fulfilled')
      assert.equal(won.length, 1)
      for (const attempt of attempts) {
        if (attempt.status === 'rejected')
          assert.equal((attempt.reason as Error).name, 'StorageConflictError')
      }
      const loaded = await storage.runs.load('r')
      assert.equal(loaded?.record.revision, 2)
    })

    it('appends events in batches, in seq order, idempotent on seq, and reads them after a seq', async (storage) => {
      await storage.runs.appendEvents('r', [event('r', 3), event('r', 1), event('r', 2)])
      await storage.runs.appendEvents('r', [{ ...event('r', 2), time: 1 } as RunEvent, event('r', 4)])
      await storage.runs.save({
        runId: 'r',
        agentName: 'a',
        status: 'running',
        snapshot: { version: 1 },
        events: [event('r', 5), event('r', 6, 'checkpoint.save')],
      })
      const all = await storage.runs.readEvents('r')
      assert.deepEqual(
        all.map((item) => item.seq),
        [1, 2, 3, 4, 5, 6],
      )
      assert.equal(all[1]?.time, 1_700_000_000_002, 'an event already stored is not replaced')
      assert.equal(all[5]?.type, 'checkpoint.save')
      assert.deepEqual(
        (await storage.runs.readEvents('r', { afterSeq: 3, limit: 2 })).map((item) => item.seq),
        [4, 5],
      )
      assert.equal(await storage.runs.lastEventSeq('r'), 6)
      await rejectsWith(storage.runs.appendEvents('r', [event('other', 7)]), 'ConfigError', /runId/)
      await rejectsWith(storage.runs.appendEvents('r', [event('r', 0)]), 'ConfigError', /seq/)
    })

    it('lists runs by status and agent, newest first', async (storage) => {
      const save = (runId: string, agentName: string, status: 'running' | 'completed' | 'needs_review') =>
        storage.runs.save({ runId, agentName, status, snapshot: { version: 1 } })
      await save('a1', 'alpha', 'running')
      await save('a2', 'alpha', 'completed')
      await save('b1', 'beta', 'running')
      await new Promise((resolve) => setTimeout(resolve, 5))
      await save('a3', 'alpha', 'needs_review')
      assert.deepEqual((await storage.runs.list({ agentName: 'alpha' })).map((run) => run.runId).sort(), [
        'a1',
        'a2',
        'a3',
      ])
      assert.equal((await storage.runs.list())[0]?.runId, 'a3')
      assert.deepEqual((await storage.runs.list({ status: 'running' })).map((run) => run.runId).sort(), [
        'a1',
        'b1',
      ])
      assert.deepEqual(
        (await storage.runs.list({ status: ['needs_review', 'completed'], agentName: 'alpha' }))
          .map((run) => run.runId)
          .sort(),
        ['a2', 'a3'],
      )
      assert.equal((await storage.runs.list({ limit: 2 })).length, 2)
      // a later save keeps a run's place (newest created first) and its agent group
      await new Promise((resolve) => setTimeout(resolve, 5))
      await save('a1', 'alpha', 'completed')
      assert.equal((await storage.runs.list())[0]?.runId, 'a3')
      assert.equal((await storage.runs.list({ agentName: 'alpha', status: 'completed' })).length, 2)
    })

    it('answers null, [] or 0 for unknown runs and rejects bad input with a ConfigError', async (storage) => {
      assert.equal(await storage.runs.get('missing'), null)
      assert.equal(await storage.runs.load('missing'), null)
      assert.deepEqual(await storage.runs.readEvents('missing'), [])
      assert.equal(await storage.runs.lastEventSeq('missing'), 0)
      assert.equal(await storage.runs.delete('missing'), false)
      await rejectsWith(storage.runs.get(''), 'ConfigError', /runId/)
      await rejectsWith(
        storage.runs.save({ runId: 'r', agentName: 'a', status: 'done' as never, snapshot: { version: 1 } }),
        'ConfigError',
        /status/,
      )
      await rejectsWith(
        storage.runs.save({ runId: 'r', agentName: 'a', status: 'running', snapshot: [] as never }),
        'ConfigError',
        /snapshot/,
      )
    })

    it('deletes a run with its checkpoint and events', async (storage) => {
      await storage.runs.save({
        runId: 'r',
        agentName: 'a',
        status: 'running',
        snapshot: { version: 1 },
        events: [event('r', 1)],
      })
      await storage.runs.save({
        runId: 'keep',
        agentName: 'a',
        status: 'running',
        snapshot: { version: 1 },
        events: [event('keep', 1)],
      })
      assert.equal(await storage.runs.delete('r'), true)
      assert.equal(await storage.runs.load('r'), null)
      assert.deepEqual(await storage.runs.readEvents('r'), [])
      assert.equal((await storage.runs.readEvents('keep')).length, 1)
    })
  })
}
