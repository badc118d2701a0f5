import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteStorage } from 'agentloop/sqlite'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-sqlite-index-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
let count = 0
const nextPath = () => join(directory, `test-${++count}.db`)

const entries = (path: string, key: string) => {
  const db = new Database(path, { readonly: true })
  const rows = db
    .prepare('SELECT index_value FROM agentloop_record_index WHERE key = ? ORDER BY index_value')
    .pluck()
    .all(key)
  db.close()
  return rows
}

describe('SQLite index entries found through their record (migration 102)', () => {
  it('moves the entries of a database of the earlier layout, then keeps them right on writes and deletes', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path })
    for (const runId of ['r1', 'r2']) {
      await storage.runs.save({
        runId,
        agentName: 'a',
        status: 'running',
        snapshot: { version: 1 },
        sessionId: 's',
      })
    }
    await storage.close()
    // the layout before: no index columns in records, an index of the entries by key
    const db = new Database(path)
    db.exec(`ALTER TABLE agentloop_records DROP COLUMN index_ord;
      ALTER TABLE agentloop_records DROP COLUMN index_values;
      CREATE INDEX agentloop_record_index_key ON agentloop_record_index (collection, key);
      DELETE FROM agentloop_migrations WHERE version = 102;`)
    db.close()
    expect(entries(path, 'r1')).toEqual(['a:running:a', 's:running', 'x:s'])

    const reopened = createSqliteStorage({ path })
    const ids = async (status: 'running' | 'completed') =>
      (await reopened.runs.list({ status })).map((run) => run.runId).sort()
    expect(await ids('running')).toEqual(['r1', 'r2'])
    const r1 = await reopened.runs.get('r1')
    await reopened.runs.save({
      runId: 'r1',
      agentName: 'a',
      status: 'completed',
      snapshot: { version: 1 },
      sessionId: 's',
      expectedRevision: r1?.revision ?? 0,
    })
    expect(entries(path, 'r1')).toEqual(['a:completed:a', 's:completed', 'x:s'])
    expect(await ids('running')).toEqual(['r2'])
    expect(await ids('completed')).toEqual(['r1'])
    await reopened.runs.delete('r2')
    expect(entries(path, 'r2')).toEqual([])
    expect(await ids('running')).toEqual([])
    await reopened.close()
    const after = new Database(path, { readonly: true })
    expect(
      after
        .prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'agentloop_record_index_key'")
        .pluck()
        .get(),
    ).toBe(0)
    after.close()
  })

  it('a record written by another connection moves its entries when this one writes it next', async () => {
    const path = nextPath()
    const one = createSqliteStorage({ path })
    const two = createSqliteStorage({ path })
    await one.runs.save({ runId: 'r', agentName: 'a', status: 'running', snapshot: { version: 1 } })
    const first = await two.runs.get('r')
    await two.runs.save({
      runId: 'r',
      agentName: 'a',
      status: 'awaiting_input',
      snapshot: { version: 1 },
      expectedRevision: first?.revision ?? 0,
    })
    const second = await one.runs.get('r')
    await one.runs.save({
      runId: 'r',
      agentName: 'a',
      status: 'failed',
      snapshot: { version: 1 },
      expectedRevision: second?.revision ?? 0,
    })
    expect(entries(path, 'r')).toEqual(['a:failed:a', 's:failed'])
    await one.close()
    await two.close()
  })
})
