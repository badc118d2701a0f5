import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteStorage } from 'agentloop/sqlite'
import { storageDriverOf } from 'agentloop/storage'
import { storageConformance } from 'agentloop/testing'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { loadStorageFixtures } from '../../../test/support/storage-fixtures.js'
import { orderIndexCondition } from '../sql-migrations.js'
import { retryWhileBusy } from './sqlite-errors.js'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-sqlite-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
let count = 0
const nextPath = () => join(directory, `test-${++count}.db`)
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

await storageConformance({
  name: 'sqlite (WAL, synchronous=FULL)',
  create: () => createSqliteStorage({ path: nextPath() }),
  fixtures: loadStorageFixtures(),
})

describe('createSqliteStorage', () => {
  it('skips rewriting index entries a checkpoint leaves unchanged, never after a rolled-back or foreign write', async () => {
    const path = nextPath()
    const one = createSqliteStorage({ path, synchronous: 'NORMAL' })
    const two = createSqliteStorage({ path, synchronous: 'NORMAL' })
    const byStatus = async (status: 'running' | 'completed' | 'failed') =>
      (await one.runs.list({ status })).map((run) => run.runId)
    const saved = await one.runs.save({
      runId: 'r',
      agentName: 'a',
      status: 'running',
      snapshot: { version: 1 },
      expectedRevision: null,
    })
    // same values: the entries stay right (and are not rewritten)
    const again = await one.runs.save({
      runId: 'r',
      agentName: 'a',
      status: 'running',
      snapshot: { version: 1 },
      expectedRevision: saved.revision,
    })
    expect(await byStatus('running')).toEqual(['r'])
    // a batch of process one that rolls back (its session append conflicts) remembers nothing
    const driver = storageDriverOf(one)
    if (driver === undefined) throw new Error('no driver')
    const rolledBack = await driver.commit(
      [
        {
          type: 'put',
          collection: 'run',
          key: 'r',
          group: 'a',
          order: 0,
          keepPosition: true,
          indexes: ['s:completed', 'a:completed:a'],
          data: { version: 1, runId: 'r', agentName: 'a', status: 'completed' },
          expectedRevision: again.revision,
        },
        { type: 'check', collection: 'run', key: 'missing', expectedRevision: 7 },
      ],
      Date.now(),
    )
    expect(rolledBack.ok).toBe(false)
    // process two fails the run (the revision the rolled-back batch had used), then process one
    // completes it: the entries must move to completed
    const failed = await two.runs.save({
      runId: 'r',
      agentName: 'a',
      status: 'failed',
      snapshot: { version: 1 },
      expectedRevision: again.revision,
    })
    expect(await byStatus('failed')).toEqual(['r'])
    await one.runs.save({
      runId: 'r',
      agentName: 'a',
      status: 'completed',
      snapshot: { version: 1 },
      expectedRevision: failed.revision,
    })
    expect(await byStatus('completed')).toEqual(['r'])
    expect(await byStatus('failed')).toEqual([])
    expect(await byStatus('running')).toEqual([])
    await two.close()
    await one.close()
  })

  it('keeps everything in one WAL file with synchronous=FULL by default and a migrations table', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path })
    await storage.runs.save({ runId: 'r', agentName: 'a', status: 'running', snapshot: { version: 1, n: 1 } })
    await storage.close()
    const db = new Database(path, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.prepare('SELECT version, name FROM agentloop_migrations').all()).toEqual([
      { version: 1, name: 'records' },
      { version: 2, name: 'indexes and parents' },
      { version: 3, name: 'order index without run logs and messages' },
      { version: 101, name: 'tables of their own for session messages and run events' },
      { version: 102, name: 'index values kept in their record' },
    ])
    expect(db.prepare('SELECT count(*) AS n FROM agentloop_records').get()).toEqual({ n: 2 })
    db.close()
    // reopening applies no migration twice and finds the data
    const again = createSqliteStorage({ path, synchronous: 'NORMAL' })
    expect((await again.runs.load('r'))?.snapshot).toEqual({ version: 1, n: 1 })
    await again.close()
  })

  it('lists a whole collection through the partial order index, which holds no run logs or messages', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path })
    await storage.runs.save({
      runId: 'r',
      agentName: 'a',
      status: 'running',
      snapshot: { version: 1 },
      expectedRevision: null,
      events: [{ type: 'turn.start', turn: 1, runId: 'r', seq: 1, time: 1 }],
    })
    await storage.sessions.append('s', [{ role: 'user', content: 'hi' }])
    expect((await storage.runs.list()).map((run) => run.runId)).toEqual(['r'])
    await storage.close()
    const db = new Database(path, { readonly: true })
    const runs = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT r.data FROM agentloop_records r WHERE r.collection = 'run' AND ${orderIndexCondition('r')} ORDER BY r.ord DESC, r.key DESC LIMIT 10`,
      )
      .all() as { detail: string }[]
    expect(runs.map((row) => row.detail).join(' ')).toMatch(/USING (COVERING )?INDEX agentloop_records_order/)
    const indexed = db
      .prepare(
        `SELECT collection FROM agentloop_records INDEXED BY agentloop_records_order WHERE ${orderIndexCondition()} ORDER BY collection`,
      )
      .all() as { collection: string }[]
    expect(indexed.map((row) => row.collection)).toEqual(['run', 'session', 'session-branch'])
    const definition = db
      .prepare("SELECT sql FROM sqlite_master WHERE name = 'agentloop_records_order'")
      .pluck()
      .get()
    expect(definition).toContain(orderIndexCondition())
    db.close()
  })

  it('checkpoints its WAL every 10,000 pages and truncates it to 64 MB after', async () => {
    const storage = createSqliteStorage({ path: nextPath(), synchronous: 'NORMAL' })
    expect(storageDriverOf(storage)?.info?.()).toMatchObject({
      walAutocheckpointPages: 10_000,
      walSizeLimitBytes: 64 * 1024 * 1024,
    })
    await storage.close()
  })

  it('applies the synchronous level asked for, FULL by default', async () => {
    const full = createSqliteStorage({ path: nextPath() })
    const normal = createSqliteStorage({ path: nextPath(), synchronous: 'NORMAL' })
    expect(storageDriverOf(full)?.info?.()).toMatchObject({ journalMode: 'wal', synchronous: 'FULL' })
    expect(storageDriverOf(normal)?.info?.()).toMatchObject({ journalMode: 'wal', synchronous: 'NORMAL' })
    await Promise.all([full.close(), normal.close()])
  })

  it('reads a record inserted with raw SQL through the repositories (format version 1)', async () => {
    const path = nextPath()
    await createSqliteStorage({ path }).close()
    const db = new Database(path)
    const [fixture] = loadStorageFixtures().filter((item) => item.name === 'v1/tasks')
    for (const record of fixture?.records ?? []) {
      db.prepare(
        'INSERT INTO agentloop_records (collection, key, grp, ord, revision, created_at, updated_at, expires_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        record.collection,
        record.key,
        record.group,
        record.order,
        record.revision,
        record.createdAt,
        record.updatedAt,
        record.expiresAt,
        JSON.stringify(record.data),
      )
    }
    db.close()
    const storage = createSqliteStorage({ path })
    expect(await storage.tasks.get('t2')).toEqual(fixture?.reads[0]?.expect)
    await storage.close()
  })

  it('shares one file between two connections (as two processes would) without losing appends', async () => {
    const path = nextPath()
    const first = createSqliteStorage({ path })
    const second = createSqliteStorage({ path })
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        (index % 2 === 0 ? first : second).sessions.append('shared', [
          { role: 'user', content: `m${index}` },
        ]),
      ),
    )
    expect((await first.sessions.messages('shared')).length).toBe(10)
    await Promise.all([first.close(), second.close()])
  })

  it('explains a file that is not a database with a ConfigError naming the file and the fix', () => {
    const path = nextPath()
    writeFileSync(path, 'this is a text file, not a database\n'.repeat(200))
    expect(() => createSqliteStorage({ path })).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        message: expect.stringMatching(new RegExp(`${escapeRegExp(path)}.*not a database.*Point path at`)),
      }),
    )
  })

  it('explains a damaged database with a StorageError naming the file and how to recover', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path })
    for (let index = 0; index < 200; index++) {
      await storage.memory.set({ scope: 'global', key: `k${index}`, value: 'x'.repeat(2000) })
    }
    await storage.close()
    // overwrite the pages after the first one (the header stays valid): the b-trees are garbage
    const bytes = readFileSync(path)
    for (let offset = 4096; offset < bytes.length; offset++) bytes[offset] = (offset * 7) % 251
    writeFileSync(path, bytes)
    const error = await (async () => {
      const damaged = createSqliteStorage({ path })
      try {
        await damaged.memory.list({ scope: 'global' })
        await damaged.memory.set({ scope: 'global', key: 'new', value: 1 })
      } finally {
        await damaged.close()
      }
    })().catch((caught: unknown) => caught)
    expect(error).toMatchObject({
      message: expect.stringMatching(
        new RegExp(`${escapeRegExp(path)}.*damaged.*restore it from a backup.*\\.recover`),
      ),
    })
    expect(['StorageError', 'ConfigError']).toContain((error as Error).name)
  })

  it('retries on open what SQLite answers SQLITE_BUSY at once (a new file switched to WAL by two processes)', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })
    let calls = 0
    const flaky = () => {
      calls += 1
      if (calls < 3) throw busy
      return 'wal'
    }
    expect(retryWhileBusy(flaky, 1000)).toBe('wal')
    expect(calls).toBe(3)
    // other errors pass at once; BUSY past the timeout is the caller's to explain
    const notadb = Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' })
    calls = 0
    expect(() =>
      retryWhileBusy(() => {
        calls += 1
        throw notadb
      }, 1000),
    ).toThrow(notadb)
    expect(calls).toBe(1)
    const started = Date.now()
    expect(() =>
      retryWhileBusy(() => {
        throw busy
      }, 30),
    ).toThrow(busy)
    expect(Date.now() - started).toBeGreaterThanOrEqual(30)
  })

  it('explains a write lock held past busyTimeoutMs with a StorageError naming the file and the option', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path, busyTimeoutMs: 50 })
    await storage.memory.set({ scope: 'global', key: 'k', value: 1 })
    const other = new Database(path)
    other.prepare('BEGIN IMMEDIATE').run()
    try {
      const error = await storage.memory
        .set({ scope: 'global', key: 'k', value: 2 })
        .catch((caught: unknown) => caught)
      expect(error).toMatchObject({
        name: 'StorageError',
        message: expect.stringMatching(
          new RegExp(`${escapeRegExp(path)}.*locked.*busyTimeoutMs \\(50 ms\\)`),
        ),
      })
    } finally {
      other.prepare('ROLLBACK').run()
      other.close()
    }
    // the lock released, the storage works again
    await storage.memory.set({ scope: 'global', key: 'k', value: 3 })
    expect((await storage.memory.get({ scope: 'global', key: 'k' }))?.value).toBe(3)
    await storage.close()
  })

  it('commits the writes of concurrent callers together, each atomic, and stays durable', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path })
    const driver = storageDriverOf(storage)
    expect(driver?.info?.()).toMatchObject({ groupCommit: true })
    await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        storage.runs.save({
          runId: `r${index}`,
          agentName: 'a',
          status: 'running',
          snapshot: { version: 1, index },
          expectedRevision: null,
        }),
      ),
    )
    // a duplicate create fails alone; the others of the same turn land
    const results = await Promise.allSettled([
      storage.runs.save({
        runId: 'r1',
        agentName: 'a',
        status: 'running',
        snapshot: { version: 1 },
        expectedRevision: null,
      }),
      storage.runs.save({
        runId: 'new',
        agentName: 'a',
        status: 'running',
        snapshot: { version: 1 },
        expectedRevision: null,
      }),
    ])
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled'])
    await storage.close()
    const reopened = createSqliteStorage({ path })
    expect((await reopened.runs.list({ limit: 100 })).length).toBe(51)
    expect((await reopened.runs.load('r1'))?.snapshot).toEqual({ version: 1, index: 1 })
    await reopened.close()
  })

  it('rejects bad options with a ConfigError naming the option', () => {
    expect(() => createSqliteStorage({ path: '' })).toThrow(/path/)
    expect(() => createSqliteStorage({ path: nextPath(), synchronous: 'OFF' as never })).toThrow(
      /synchronous/,
    )
    expect(() => createSqliteStorage({ path: nextPath(), tablePrefix: 'x; DROP' })).toThrow(/tablePrefix/)
    expect(() => createSqliteStorage({ path: nextPath(), groupCommit: 'yes' as never })).toThrow(
      /groupCommit/,
    )
    expect(() => createSqliteStorage({ path: join(directory, 'no', 'such', 'dir.db') })).toThrow(
      /cannot open/,
    )
  })
})
