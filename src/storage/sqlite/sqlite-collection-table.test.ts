import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteStorage } from 'agentloop/sqlite'
import { storageDriverOf } from 'agentloop/storage'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunEvent } from '../../events/run-event.js'
import { compositeKey } from '../repositories/shared.js'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-sqlite-tables-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
let count = 0
const nextPath = () => join(directory, `test-${++count}.db`)

const event = (runId: string, seq: number): RunEvent =>
  ({ type: 'turn.start', runId, seq, time: 1_700_000_000_000 + seq, turn: seq }) as RunEvent

/** Moves the rows of the tables of their own back into the records table: the layout before migration 101. */
function toLegacyLayout(path: string): void {
  const db = new Database(path)
  for (const [collection, table] of [
    ['session-message', 'agentloop_session_messages'],
    ['run-event', 'agentloop_run_events'],
  ]) {
    db.prepare(
      `INSERT INTO agentloop_records (collection, key, grp, ord, revision, created_at, updated_at, expires_at, data, parent)
       SELECT ?, length(grp) || ':' || grp || key, grp, ord, revision, created_at, updated_at, expires_at, data,
         CASE WHEN parent IS NULL THEN NULL ELSE length(grp) || ':' || grp || parent END
       FROM ${table}`,
    ).run(collection)
    db.exec(`DROP TABLE ${table}`)
  }
  db.exec('DELETE FROM agentloop_migrations WHERE version = 101')
  db.close()
}

const scalar = (path: string, sql: string) => {
  const db = new Database(path, { readonly: true })
  const n = db.prepare(sql).pluck().get()
  db.close()
  return n
}

describe('SQLite tables of their own for session messages and run events', () => {
  it('moves a database of the earlier layout on open (migration 101) and reads it the same', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path })
    await storage.sessions.append('chat', [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ])
    const entries = await storage.sessions.entries('chat')
    await storage.sessions.edit('chat', entries[1]?.id ?? '', { role: 'assistant', content: 'hey' })
    await storage.runs.save({ runId: 'r1', agentName: 'a', status: 'running', snapshot: { version: 1 } })
    await storage.runs.appendEvents('r1', [event('r1', 1), event('r1', 2)])
    const before = {
      messages: await storage.sessions.messages('chat'),
      entries: await storage.sessions.entries('chat'),
      branches: await storage.sessions.branches('chat'),
      events: await storage.runs.readEvents('r1'),
    }
    await storage.close()
    toLegacyLayout(path)
    expect(scalar(path, "SELECT count(*) FROM agentloop_records WHERE collection = 'session-message'")).toBe(
      3,
    )

    const reopened = createSqliteStorage({ path })
    expect({
      messages: await reopened.sessions.messages('chat'),
      entries: await reopened.sessions.entries('chat'),
      branches: await reopened.sessions.branches('chat'),
      events: await reopened.runs.readEvents('r1'),
    }).toEqual(before)
    // the walk of parent links still works on the moved rows: the branch before the edit reads by its head
    expect(await reopened.sessions.messages('chat', { headId: entries[1]?.id ?? '' })).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ])
    await reopened.close()
    expect(
      scalar(
        path,
        "SELECT count(*) FROM agentloop_records WHERE collection IN ('session-message', 'run-event')",
      ),
    ).toBe(0)
    expect(scalar(path, 'SELECT count(*) FROM agentloop_session_messages')).toBe(3)
    expect(scalar(path, 'SELECT count(*) FROM agentloop_run_events')).toBe(2)
  })

  it('stops the migration at a row it cannot move, naming it, and changes nothing', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path })
    await storage.sessions.append('chat', [{ role: 'user', content: 'hi' }])
    await storage.close()
    toLegacyLayout(path)
    const db = new Database(path)
    db.prepare(
      `INSERT INTO agentloop_records (collection, key, grp, ord, revision, created_at, updated_at, data)
       VALUES ('session-message', 'hand-made', 'chat', 1, 1, 1, 1, '{"version":2,"parentId":null,"message":{"role":"user","content":"x"}}')`,
    ).run()
    db.close()
    const open = async () => {
      const broken = createSqliteStorage({ path })
      try {
        await broken.sessions.messages('chat')
      } finally {
        await broken.close().catch(() => undefined)
      }
    }
    await expect(open()).rejects.toThrow(
      /session-message "hand-made" cannot move .*migration 101.*does not start with its group "chat"/,
    )
    expect(scalar(path, "SELECT count(*) FROM agentloop_records WHERE collection = 'session-message'")).toBe(
      2,
    )
    expect(scalar(path, 'SELECT count(*) FROM agentloop_migrations WHERE version = 101')).toBe(0)
  })

  it('stores long messages and archived logs deflated, short ones as JSON text, and reads both back', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path })
    const long = `Order 42: ${'shipped on Monday by courier, '.repeat(20)}`
    await storage.sessions.append('chat', [
      { role: 'user', content: 'where is it?' },
      { role: 'tool', callId: 'c1', toolName: 'lookup', content: long },
    ])
    await storage.runs.save({ runId: 'r1', agentName: 'a', status: 'completed', snapshot: { version: 1 } })
    await storage.runs.appendEvents(
      'r1',
      Array.from({ length: 30 }, (_, index) => event('r1', index + 1)),
    )
    expect(await storage.runs.compact('r1')).toBe(true)
    const db = new Database(path, { readonly: true })
    const rows = db
      .prepare(
        'SELECT typeof(data) AS type, length(data) AS bytes FROM agentloop_session_messages ORDER BY ord, key',
      )
      .all() as {
      type: string
      bytes: number
    }[]
    expect(rows.map((row) => row.type).sort()).toEqual(['blob', 'text'])
    const blob = rows.find((row) => row.type === 'blob')
    expect(blob?.bytes).toBeLessThan(long.length / 3)
    expect(db.prepare('SELECT typeof(data) FROM agentloop_run_events').pluck().all()).toEqual(['blob'])
    db.close()
    expect(await storage.sessions.messages('chat')).toEqual([
      { role: 'user', content: 'where is it?' },
      { role: 'tool', callId: 'c1', toolName: 'lookup', content: long },
    ])
    expect((await storage.runs.readEvents('r1')).map((read) => read.seq)).toEqual(
      Array.from({ length: 30 }, (_, index) => index + 1),
    )
    await storage.close()
  })

  it('reads a compressed record changed behind its back (another process) as it is now, not as inflated before', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path })
    const first = `first ${'order shipped on Monday, '.repeat(10)}`
    const second = `second ${'order arriving on Thursday, '.repeat(10)}`
    await storage.sessions.append('a', [{ role: 'user', content: first }])
    await storage.sessions.append('b', [{ role: 'user', content: second }])
    expect(await storage.sessions.messages('a')).toEqual([{ role: 'user', content: first }])
    expect(await storage.sessions.messages('b')).toEqual([{ role: 'user', content: second }])
    // swap the two stored values (as a writer in another process could): same keys and revisions
    const db = new Database(path)
    const rows = db.prepare('SELECT grp, key, data FROM agentloop_session_messages ORDER BY grp').all() as {
      grp: string
      key: string
      data: Buffer
    }[]
    const swap = db.prepare('UPDATE agentloop_session_messages SET data = ? WHERE grp = ? AND key = ?')
    swap.run(rows[1]?.data, rows[0]?.grp, rows[0]?.key)
    swap.run(rows[0]?.data, rows[1]?.grp, rows[1]?.key)
    db.close()
    expect(await storage.sessions.messages('a')).toEqual([{ role: 'user', content: second }])
    expect(await storage.sessions.messages('b')).toEqual([{ role: 'user', content: first }])
    await storage.close()
  })

  it('answers a stored value of an unknown codec with a StoredDataError naming the record', async () => {
    const path = nextPath()
    const storage = createSqliteStorage({ path })
    await storage.sessions.append('chat', [{ role: 'user', content: 'x'.repeat(200) }])
    const db = new Database(path)
    db.exec("UPDATE agentloop_session_messages SET data = X'09AABB'")
    db.close()
    await expect(storage.sessions.messages('chat')).rejects.toThrow(
      /Stored session-message "4:chat16:.{16}" is unreadable: its data uses codec 9, unknown to this agentloop/,
    )
    const db2 = new Database(path)
    db2.exec("UPDATE agentloop_session_messages SET data = X'01FFFF'")
    db2.close()
    await expect(storage.sessions.messages('chat')).rejects.toThrow(/its compressed data does not inflate/)
    await storage.close()
  })

  it('refuses a record whose key does not start with its group, or whose parent is in another group', async () => {
    const storage = createSqliteStorage({ path: nextPath() })
    const driver = storageDriverOf(storage)
    const put = (key: string, group: string, parent?: string) =>
      driver?.commit(
        [{ type: 'put', collection: 'run-event', key, group, order: 1, data: { version: 1 }, parent }],
        Date.now(),
      )
    await expect(put('r1-1', 'r1')).rejects.toThrow(
      'Cannot store run-event "r1-1" in group "r1": on SQLite this collection is keyed by group, so its key must start with its group as compositeKey(group, id) writes it.',
    )
    await expect(put(compositeKey('r2', 'x'), 'r1')).rejects.toThrow(/in group "r1": on SQLite/)
    await expect(put(compositeKey('r1', 'x'), 'r1', compositeKey('r2', 'y'))).rejects.toThrow(
      /with parent "2:r21:y": on SQLite a record of this collection and its parent must be in the same group/,
    )
    expect(await driver?.list('run-event')).toEqual([])
    await storage.close()
  })
})
