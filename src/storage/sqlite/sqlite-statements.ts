import type BetterSqlite3 from 'better-sqlite3'
import type { JsonObject } from '../../util/json.js'
import type { PutOperation, StoredRecord } from '../store-driver.js'

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

/**
 * Which statement writes a put, on the records table as on a table of one collection: `restore`
 * (the envelope as given), `update` / `updateKeep` (compare-and-set on a revision; Keep leaves the
 * order), `insert` (must not exist, or `ifAbsent`), `upsert` / `upsertKeep` (unconditional).
 */
export function writeStatement(
  operation: PutOperation,
): 'restore' | 'update' | 'updateKeep' | 'insert' | 'upsert' | 'upsertKeep' {
  if (operation.restore !== undefined) return 'restore'
  if (typeof operation.expectedRevision === 'number') return operation.keepPosition ? 'updateKeep' : 'update'
  if (operation.expectedRevision === null || operation.ifAbsent) return 'insert'
  return operation.keepPosition ? 'upsertKeep' : 'upsert'
}

/** A row's envelope as a `StoredRecord`, with its key and decoded data. */
export function recordOf(
  collection: string,
  key: string,
  row: Omit<SqliteRow, 'key' | 'data'>,
  data: JsonObject,
): StoredRecord {
  return {
    collection,
    key,
    group: row.grp,
    order: row.ord,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    data,
  }
}

export const COLUMNS = 'key, grp, ord, revision, created_at, updated_at, expires_at, data'
const INSERT_COLUMNS = `collection, ${COLUMNS}, parent`

/**
 * The recursive query of `StoreDriver.ancestors`: the record `@key` of scope `@<scope>` (its
 * collection, or its group in a table of one collection), then its parent, and so on, nearest
 * first, at most `@limit` records, without expired ones (`@now`). Each step is a primary-key lookup.
 */
export function ancestorsSql(table: string, scope: 'collection' | 'grp', columns: string): string {
  const selected = columns
    .split(', ')
    .map((column) => `r.${column}`)
    .join(', ')
  return `WITH RECURSIVE chain(key, parent, depth) AS (
      SELECT key, parent, 0 FROM ${table}
      WHERE ${scope} = @${scope} AND key = @key AND (expires_at IS NULL OR expires_at > @now)
      UNION ALL
      SELECT r.key, r.parent, chain.depth + 1 FROM chain JOIN ${table} r
        ON r.${scope} = @${scope} AND r.key = chain.parent
      WHERE chain.depth + 1 < @limit AND (r.expires_at IS NULL OR r.expires_at > @now)
    )
    SELECT ${selected} FROM chain JOIN ${table} r ON r.${scope} = @${scope} AND r.key = chain.key
    ORDER BY chain.depth`
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
  | 'indexState'
  | 'setIndexState'
  | 'unindex'
  | 'reindex'
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
    // a restore keeps the record's index columns: its entries are moved, or kept, like any write's
    restore: db.prepare(
      `INSERT INTO ${table} (collection, ${COLUMNS}, parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (collection, key) DO UPDATE SET grp = excluded.grp, ord = excluded.ord,
         revision = excluded.revision, created_at = excluded.created_at, updated_at = excluded.updated_at,
         expires_at = excluded.expires_at, data = excluded.data, parent = excluded.parent`,
    ),
    delete: db.prepare(`DELETE FROM ${table} WHERE collection = ? AND key = ?`),
    deleteGroup: db.prepare(`DELETE FROM ${table} WHERE collection = ? AND grp = ?`),
    // Index entries. A record keeps the values and order of its entries (index_values, index_ord:
    // migration 102), so they are found by the entry table's primary key, without an index by key.
    indexState: db.prepare(`SELECT index_ord, index_values FROM ${table} WHERE collection = ? AND key = ?`),
    setIndexState: db.prepare(
      `UPDATE ${table} SET index_ord = ?, index_values = ? WHERE collection = ? AND key = ?`,
    ),
    unindex: db.prepare(
      `DELETE FROM ${index} WHERE collection = ? AND key = ? AND ord = ?
       AND index_value IN (SELECT value FROM json_each(?))`,
    ),
    reindex: db.prepare(
      `INSERT OR IGNORE INTO ${index} (collection, index_value, ord, key) SELECT ?, value, ?, ? FROM json_each(?)`,
    ),
    unindexGroup: db.prepare(
      `DELETE FROM ${index} WHERE (collection, index_value, ord, key) IN (
         SELECT r.collection, j.value, r.index_ord, r.key FROM ${table} r, json_each(r.index_values) j
         WHERE r.collection = ? AND r.grp = ? AND r.index_values IS NOT NULL)`,
    ),
    ancestors: db.prepare(ancestorsSql(table, 'collection', COLUMNS)),
  }
}
