import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { storageDriverOf } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import { storageConformance } from 'agentloop/testing'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { loadStorageFixtures } from '../../../test/support/storage-fixtures.js'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-sqlite-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
let count = 0
const nextPath = () => join(directory, `test-${++count}.db`)

await storageConformance({
  name: 'sqlite (WAL, synchronous=FULL)',
  create: () => createSqliteStorage({ path: nextPath() }),
  fixtures: loadStorageFixtures(),
})

describe('createSqliteStorage', () => {
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
    ])
    expect(db.prepare('SELECT count(*) AS n FROM agentloop_records').get()).toEqual({ n: 2 })
    db.close()
    // reopening applies no migration twice and finds the data
    const again = createSqliteStorage({ path, synchronous: 'NORMAL' })
    expect((await again.runs.load('r'))?.snapshot).toEqual({ version: 1, n: 1 })
    await again.close()
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

  it('rejects bad options with a ConfigError naming the option', () => {
    expect(() => createSqliteStorage({ path: '' })).toThrow(/path/)
    expect(() => createSqliteStorage({ path: nextPath(), synchronous: 'OFF' as never })).toThrow(
      /synchronous/,
    )
    expect(() => createSqliteStorage({ path: nextPath(), tablePrefix: 'x; DROP' })).toThrow(/tablePrefix/)
    expect(() => createSqliteStorage({ path: join(directory, 'no', 'such', 'dir.db') })).toThrow(
      /cannot open/,
    )
  })
})
