import type BetterSqlite3 from 'better-sqlite3'
import { sqlMigrations } from '../sql-migrations.js'

/** A record row as the SELECTs return it. */
export interface SqliteRow {
  key: string
  grp: string
  ord: number
  revision: number
  created_at: number
  updated_at: number
  expires_at: number | null
  data: string
}

export const COLUMNS = 'key, grp, ord, revision, created_at, updated_at, expires_at, data'
const INSERT_COLUMNS = `collection, ${COLUMNS}, parent`

/** Applies the migrations this database has not seen yet, in one transaction. */
export function migrateSqlite(db: BetterSqlite3.Database, prefix: string): void {
  const migrations = `"${prefix}migrations"`
  const names = { records: `"${prefix}records"`, recordIndex: `"${prefix}record_index"`, prefix }
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${migrations} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  )
  db.transaction(() => {
    const row = db.prepare(`SELECT MAX(version) AS version FROM ${migrations}`).get() as {
      version: number | null
    }
    const applied = row.version ?? 0
    for (const migration of sqlMigrations) {
      if (migration.version <= applied) continue
      for (const statement of migration.statements(names, 'sqlite')) db.exec(statement)
      db.prepare(`INSERT INTO ${migrations} (version, name, applied_at) VALUES (?, ?, ?)`).run(
        migration.version,
        migration.name,
        Date.now(),
      )
    }
  }).immediate()
}

type StatementName =
  | 'get'
  | 'revision'
  | 'insert'
  | 'upsert'
  | 'upsertKeep'
  | 'updateKeep'
  | 'update'
  | 'restore'
  | 'delete'
  | 'deleteGroup'
  | 'unindex'
  | 'reindex'
  | 'unindexKey'
  | 'unindexGroup'
  | 'ancestors'

/** The prepared statements of the SQLite driver, and its quoted table names. */
export type SqliteStatements = { table: string; index: string } & Record<
  StatementName,
  BetterSqlite3.Statement
>

/** The prepared statements of the SQLite driver. */
export function prepareStatements(db: BetterSqlite3.Database, prefix: string): SqliteStatements {
  const table = `"${prefix}records"`
  const index = `"${prefix}record_index"`
  const values = '(?, ?, ?, ?, 1, ?, ?, ?, ?, ?)'
  return {
    table,
    index,
    get: db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE collection = ? AND key = ?`),
    revision: db.prepare(`SELECT revision FROM ${table} WHERE collection = ? AND key = ?`).pluck(),
    insert: db.prepare(
      `INSERT INTO ${table} (${INSERT_COLUMNS}) VALUES ${values}
       ON CONFLICT (collection, key) DO NOTHING RETURNING revision, ord`,
    ),
    upsert: db.prepare(
      `INSERT INTO ${table} (${INSERT_COLUMNS}) VALUES ${values}
       ON CONFLICT (collection, key) DO UPDATE SET grp = excluded.grp, ord = excluded.ord,
         revision = revision + 1, updated_at = excluded.updated_at, expires_at = excluded.expires_at,
         data = excluded.data, parent = excluded.parent
       RETURNING revision, ord`,
    ),
    upsertKeep: db.prepare(
      `INSERT INTO ${table} (${INSERT_COLUMNS}) VALUES ${values}
       ON CONFLICT (collection, key) DO UPDATE SET revision = revision + 1, updated_at = excluded.updated_at,
         expires_at = excluded.expires_at, data = excluded.data, parent = excluded.parent
       RETURNING revision, ord`,
    ),
    updateKeep: db.prepare(
      `UPDATE ${table} SET revision = revision + 1, updated_at = ?, expires_at = ?, data = ?, parent = ?
       WHERE collection = ? AND key = ? AND revision = ? RETURNING revision, ord`,
    ),
    update: db.prepare(
      `UPDATE ${table} SET grp = ?, ord = ?, revision = revision + 1, updated_at = ?, expires_at = ?, data = ?, parent = ?
       WHERE collection = ? AND key = ? AND revision = ? RETURNING revision, ord`,
    ),
    restore: db.prepare(
      `INSERT OR REPLACE INTO ${table} (collection, ${COLUMNS}, parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    delete: db.prepare(`DELETE FROM ${table} WHERE collection = ? AND key = ?`),
    deleteGroup: db.prepare(`DELETE FROM ${table} WHERE collection = ? AND grp = ?`),
    // index entries: removed unless still wanted at the same order, then the missing ones added
    unindex: db.prepare(
      `DELETE FROM ${index} WHERE collection = ? AND key = ?
       AND NOT (ord = ? AND index_value IN (SELECT value FROM json_each(?)))`,
    ),
    reindex: db.prepare(
      `INSERT OR IGNORE INTO ${index} (collection, index_value, ord, key) SELECT ?, value, ?, ? FROM json_each(?)`,
    ),
    unindexKey: db.prepare(`DELETE FROM ${index} WHERE collection = ? AND key = ?`),
    unindexGroup: db.prepare(
      `DELETE FROM ${index} WHERE collection = ? AND key IN (SELECT key FROM ${table} WHERE collection = ? AND grp = ?)`,
    ),
    ancestors: db.prepare(
      `WITH RECURSIVE chain(key, parent, depth) AS (
         SELECT key, parent, 0 FROM ${table}
         WHERE collection = @collection AND key = @key AND (expires_at IS NULL OR expires_at > @now)
         UNION ALL
         SELECT r.key, r.parent, chain.depth + 1 FROM chain JOIN ${table} r
           ON r.collection = @collection AND r.key = chain.parent
         WHERE chain.depth + 1 < @limit AND (r.expires_at IS NULL OR r.expires_at > @now)
       )
       SELECT r.key, r.grp, r.ord, r.revision, r.created_at, r.updated_at, r.expires_at, r.data
       FROM chain JOIN ${table} r ON r.collection = @collection AND r.key = chain.key ORDER BY chain.depth`,
    ),
  }
}
