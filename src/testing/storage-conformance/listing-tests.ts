import assert from 'node:assert/strict'
import type { RunStatus } from '../../events/run-event.js'
import type { Storage } from '../../storage/storage.js'
import { driverOf } from './general-tests.js'
import { rejectsWith, type SuiteContext } from './suite-context.js'

async function saveRuns(storage: Storage, count: number): Promise<void> {
  const statuses: RunStatus[] = ['running', 'completed', 'failed']
  for (let index = 0; index < count; index++) {
    await storage.runs.save({
      runId: `run-${String(index).padStart(3, '0')}`,
      agentName: index % 2 === 0 ? 'even' : 'odd',
      status: statuses[index % 3] as RunStatus,
      snapshot: { version: 1 },
      ...(index % 5 === 0 ? { sessionId: 'five' } : {}),
    })
  }
}

async function allPages(
  storage: Storage,
  options: Parameters<Storage['runs']['page']>[0] & { limit: number },
): Promise<string[]> {
  const seen: string[] = []
  let cursor: string | undefined
  for (let pages = 0; pages < 100; pages++) {
    const page = await storage.runs.page({ ...options, ...(cursor === undefined ? {} : { cursor }) })
    seen.push(...page.runs.map((run) => run.runId))
    assert.ok(page.runs.length <= options.limit)
    if (page.nextCursor === null) return seen
    cursor = page.nextCursor
  }
  throw new Error('paging did not end')
}

export function listingTests({ describe, it }: SuiteContext): void {
  describe('listing', () => {
    it('pages through runs with an opaque cursor, every filter, nothing missed or repeated', async (storage) => {
      await saveRuns(storage, 30)
      // runs saved in one millisecond share an order: the key breaks the tie, so the whole set is
      // compared as a set plus a check that pages never overlap
      const all = (await storage.runs.list({ limit: 1000 })).map((run) => run.runId)
      assert.equal(all.length, 30)
      assert.deepEqual(await allPages(storage, { limit: 7 }), all)
      const check = async (options: Parameters<Storage['runs']['page']>[0] & { limit: number }) => {
        const expected = (await storage.runs.list({ ...options, limit: 1000 })).map((run) => run.runId)
        assert.deepEqual(await allPages(storage, options), expected)
        return expected
      }
      assert.equal((await check({ limit: 4, status: 'completed' })).length, 10)
      assert.equal((await check({ limit: 3, status: ['completed', 'failed'] })).length, 20)
      assert.equal((await check({ limit: 2, agentName: 'odd' })).length, 15)
      assert.equal((await check({ limit: 2, agentName: 'odd', status: ['running', 'failed'] })).length, 10)
      assert.equal((await check({ limit: 2, sessionId: 'five' })).length, 6)
      assert.equal(
        (await check({ limit: 1, sessionId: 'five', status: 'running', agentName: 'even' })).length,
        1,
      )
      const last = await storage.runs.page({ limit: 30 })
      assert.equal(last.nextCursor, null)
      // a status change moves a run between the status listings
      await storage.runs.save({
        runId: 'run-001',
        agentName: 'odd',
        status: 'needs_review',
        snapshot: { version: 1 },
      })
      assert.deepEqual(
        (await storage.runs.list({ status: 'needs_review' })).map((run) => run.runId),
        ['run-001'],
      )
      assert.ok(
        !(await storage.runs.list({ status: 'completed', limit: 1000 })).some(
          (run) => run.runId === 'run-001',
        ),
      )
      await rejectsWith(storage.runs.page({ cursor: 'not a cursor' }), 'ConfigError', /cursor/)
      await rejectsWith(storage.runs.list({ status: 'done' as RunStatus }), 'ConfigError', /status/)
    })

    it('pages through sessions newest first', async (storage) => {
      for (let index = 0; index < 9; index++) await storage.sessions.create({ sessionId: `s${index}` })
      const first = await storage.sessions.page({ limit: 4 })
      assert.equal(first.sessions.length, 4)
      const second = await storage.sessions.page({ limit: 4, cursor: first.nextCursor as string })
      const third = await storage.sessions.page({ limit: 4, cursor: second.nextCursor as string })
      assert.equal(third.nextCursor, null)
      const ids = [...first.sessions, ...second.sessions, ...third.sessions].map(
        (session) => session.sessionId,
      )
      assert.deepEqual([...ids].sort(), ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'])
      assert.equal(new Set(ids).size, 9)
    })

    it('skips and reports a corrupt run record instead of failing the listing', async (storage) => {
      await saveRuns(storage, 5)
      const driver = driverOf(storage)
      const corrupt = await driver.commit(
        [
          {
            type: 'put',
            collection: 'run',
            key: 'broken',
            group: 'even',
            order: Date.now() + 1000,
            data: { version: 1, runId: 'broken', agentName: 'even', status: 'exploded' },
            indexes: ['s:running', 'a:running:even'],
          },
        ],
        Date.now(),
      )
      assert.equal(corrupt.ok, true)
      const reported: string[] = []
      const runs = await storage.runs.list({ onCorrupt: (error) => reported.push(error.key) })
      assert.equal(runs.length, 5)
      assert.deepEqual(reported, ['broken'])
      const page = await storage.runs.page({ status: 'running', agentName: 'even', onCorrupt: () => {} })
      assert.deepEqual(
        page.skipped.map((item) => item.key),
        ['broken'],
      )
      assert.match(page.skipped[0]?.message ?? '', /status/)
      assert.ok(page.runs.length >= 1)
      // the record itself still reports the problem when asked for directly
      await rejectsWith(storage.runs.get('broken'), 'StoredDataError', /status/)
    })
  })
}
