/**
 * A table of its own for one collection whose records are read by group (a session's messages, a
 * run's events), on SQLite. The generic records table repeats, in every row and in two index
 * entries, the collection's name and the whole key, which begins with the group
 * (`compositeKey(group, id)`); a conversation's messages then took 3.6 times their JSON. Here a
 * row is keyed by (group, the rest of the key), the collection is the table, the order index is
 * (group, ord, rest), and data marked `compress` is stored deflated (`sqlite-data-codec.ts`).
 * Every `StoreDriver` operation keeps its meaning; what this layout requires is that a record's
 * key starts with its group as `compositeKey` writes it, and that its parent is in the same group
 * (agentloop's repositories always write them so; anything else is a `ConfigError`).
 *
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3'
import { ConfigError } from '../../errors/errors.js'
import { encodeData } from '../record-codec.js'
import type { ListOptions, PutOperation, StoredRecord } from '../store-driver.js'
import { decodeStoredData, encodeStoredData } from './sqlite-data-codec.js'
import { ancestorsSql, recordOf, writeStatement } from './sqlite-statements.js'

/** The collections the SQLite backend keeps in tables of their own, and their table names. */
export const COLLECTION_TABLES = {
  'session-message': { table: 'session_messages', withoutRowid: true },
  'run-event': { table: 'run_events', withoutRowid: false },
} as const satisfies Record<string, { table: string; withoutRowid: boolean }>

export type TableCollection = keyof typeof COLLECTION_TABLES

/** The group a key starts with (`compositeKey(group, ...)`) and the rest of it; undefined if it does not. */
export function splitGroupKey(key: string): { group: string; rest: string } | undefined {
  const colon = key.indexOf(':')
  if (colon < 1 || colon > 10) return undefined
  const digits = key.slice(0, colon)
  if (!/^\d+$/.test(digits)) return undefined
  const length = Number(digits)
  const end = colon + 1 + length
  if (end >= key.length) return undefined
  return { group: key.slice(colon + 1, end), rest: key.slice(end) }
}

/** The prefix `compositeKey` gives a key of this group. */
const groupPrefix = (group: string) => `${group.length}:${group}`

/** The statements creating a collection's table (a migration runs them). */
export function collectionTableStatements(prefix: string, collection: TableCollection): string[] {
  const { table, withoutRowid } = COLLECTION_TABLES[collection]
  return [
    `CREATE TABLE IF NOT EXISTS "${prefix}${table}" (
      grp TEXT NOT NULL,
      key TEXT NOT NULL,
      ord REAL NOT NULL,
      revision INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      expires_at INTEGER,
      parent TEXT,
      data NOT NULL,
      PRIMARY KEY (grp, key)
    )${withoutRowid ? ' WITHOUT ROWID' : ''}`,
    `CREATE INDEX IF NOT EXISTS "${prefix}${table}_order" ON "${prefix}${table}" (grp, ord, key)`,
  ]
}

interface TableRow {
  grp: string
  key: string
  ord: number
  revision: number
  created_at: number
  updated_at: number
  expires_at: number | null
  data: string | Buffer
}

const COLUMNS = 'grp, key, ord, revision, created_at, updated_at, expires_at, data'

/** UTF-8 byte order, the order SQLite compares text in. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** One collection's table: the `StoreDriver` operations on it, synchronous (the driver wraps them). */
export class CollectionTable {
  readonly #db: BetterSqlite3.Database
  readonly #collection: TableCollection
  readonly #table: string
  readonly #lists = new Map<string, BetterSqlite3.Statement>()
  readonly #statements

  constructor(db: BetterSqlite3.Database, prefix: string, collection: TableCollection) {
    this.#db = db
    this.#collection = collection
    const table = `"${prefix}${COLLECTION_TABLES[collection].table}"`
    this.#table = table
    const insert = `INSERT INTO ${table} (grp, key, ord, revision, created_at, updated_at, expires_at, parent, data)
      VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)`
    this.#statements = {
      get: db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE grp = ? AND key = ?`),
      revision: db.prepare(`SELECT revision FROM ${table} WHERE grp = ? AND key = ?`).pluck(),
      insert: db.prepare(`${insert} ON CONFLICT (grp, key) DO NOTHING RETURNING revision, ord`),
      upsert: db.prepare(
        `${insert} ON CONFLICT (grp, key) DO UPDATE SET ord = excluded.ord, revision = revision + 1,
           updated_at = excluded.updated_at, expires_at = excluded.expires_at, data = excluded.data,
           parent = excluded.parent
         RETURNING revision, ord`,
      ),
      upsertKeep: db.prepare(
        `${insert} ON CONFLICT (grp, key) DO UPDATE SET revision = revision + 1,
           updated_at = excluded.updated_at, expires_at = excluded.expires_at, data = excluded.data,
           parent = excluded.parent
         RETURNING revision, ord`,
      ),
      update: db.prepare(
        `UPDATE ${table} SET ord = ?, revision = revision + 1, updated_at = ?, expires_at = ?, data = ?, parent = ?
         WHERE grp = ? AND key = ? AND revision = ? RETURNING revision, ord`,
      ),
      updateKeep: db.prepare(
        `UPDATE ${table} SET revision = revision + 1, updated_at = ?, expires_at = ?, data = ?, parent = ?
         WHERE grp = ? AND key = ? AND revision = ? RETURNING revision, ord`,
      ),
      restore: db.prepare(
        `INSERT OR REPLACE INTO ${table} (grp, key, ord, revision, created_at, updated_at, expires_at, parent, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      delete: db.prepare(`DELETE FROM ${table} WHERE grp = ? AND key = ?`),
      deleteGroup: db.prepare(`DELETE FROM ${table} WHERE grp = ?`),
      all: db.prepare(`SELECT ${COLUMNS} FROM ${table} WHERE expires_at IS NULL OR expires_at > ?`),
      ancestors: db.prepare(ancestorsSql(table, 'grp', COLUMNS)),
    }
  }

  #toRecord(row: TableRow): StoredRecord {
    const key = groupPrefix(row.grp) + row.key
    return recordOf(this.#collection, key, row, decodeStoredData(row.data, this.#collection, key))
  }

  /** The (group, rest) a key is stored under; undefined for a key no record of this table can have. */
  #where(key: string): [string, string] | undefined {
    const split = splitGroupKey(key)
    return split === undefined ? undefined : [split.group, split.rest]
  }

  get(key: string, now: number): StoredRecord | null {
    const where = this.#where(key)
    if (where === undefined) return null
    const row = this.#statements.get.get(...where) as TableRow | undefined
    if (row === undefined || (row.expires_at !== null && row.expires_at <= now)) return null
    return this.#toRecord(row)
  }

  revision(key: string): number | null {
    const where = this.#where(key)
    if (where === undefined) return null
    return (this.#statements.revision.get(...where) as number | undefined) ?? null
  }

  list(options: ListOptions, now: number): StoredRecord[] {
    // no record of these collections has secondary index values
    if (options.index !== undefined) return []
    const group = options.group
    const after = options.after
    const prefix = group === undefined ? undefined : groupPrefix(group)
    const afterRest =
      prefix !== undefined && after?.key.startsWith(prefix) ? after.key.slice(prefix.length) : undefined
    if (group === undefined || (after !== undefined && afterRest === undefined)) {
      return this.#listInMemory(options, now)
    }
    const parameters: unknown[] = [group, now]
    const conditions = ['grp = ?', '(expires_at IS NULL OR expires_at > ?)']
    if (options.afterOrder !== undefined) {
      conditions.push('ord > ?')
      parameters.push(options.afterOrder)
    }
    if (after !== undefined) {
      conditions.push(`(ord, key) ${options.descending ? '<' : '>'} (?, ?)`)
      parameters.push(after.order, afterRest)
    }
    const direction = options.descending ? 'DESC' : 'ASC'
    let sql = `SELECT ${COLUMNS} FROM ${this.#table} WHERE ${conditions.join(' AND ')} ORDER BY ord ${direction}, key ${direction}`
    if (options.limit !== undefined) {
      sql += ' LIMIT ?'
      parameters.push(options.limit)
    }
    let statement = this.#lists.get(sql)
    if (statement === undefined) {
      statement = this.#db.prepare(sql)
      this.#lists.set(sql, statement)
    }
    return (statement.all(...parameters) as TableRow[]).map((row) => this.#toRecord(row))
  }

  /** A list across groups (or after a position of another group): read the table, then order by full key. */
  #listInMemory(options: ListOptions, now: number): StoredRecord[] {
    const sign = options.descending ? -1 : 1
    const records = (this.#statements.all.all(now) as TableRow[])
      .filter((row) => options.group === undefined || row.grp === options.group)
      .map((row) => this.#toRecord(row))
      .filter((record) => options.afterOrder === undefined || record.order > options.afterOrder)
      .filter((record) => {
        const after = options.after
        if (after === undefined) return true
        const position = record.order - after.order || compareKeys(record.key, after.key)
        return sign * position > 0
      })
      .sort((a, b) => sign * (a.order - b.order || compareKeys(a.key, b.key)))
    return options.limit === undefined ? records : records.slice(0, options.limit)
  }

  ancestors(key: string, limit: number, now: number): StoredRecord[] {
    const where = this.#where(key)
    if (where === undefined) return []
    const rows = this.#statements.ancestors.all({ grp: where[0], key: where[1], now, limit }) as TableRow[]
    return rows.map((row) => this.#toRecord(row))
  }

  /** Writes a put; `undefined` when its compare-and-set (or `ifAbsent`) found another revision. */
  put(operation: PutOperation, now: number): { revision: number; ord: number } | undefined {
    const { key, group } = operation
    const split = splitGroupKey(key)
    if (split === undefined || split.group !== group) {
      throw new ConfigError({
        message: `Cannot store ${this.#collection} "${key}" in group "${group}": on SQLite this collection is keyed by group, so its key must start with its group as compositeKey(group, id) writes it.`,
      })
    }
    if (operation.indexes !== undefined && operation.indexes.length > 0) {
      throw new ConfigError({
        message: `Cannot store ${this.#collection} "${key}" with index values: on SQLite this collection is listed by group only.`,
      })
    }
    let parent: string | null = null
    if (operation.parent != null) {
      const parentSplit = splitGroupKey(operation.parent)
      if (parentSplit === undefined || parentSplit.group !== group) {
        throw new ConfigError({
          message: `Cannot store ${this.#collection} "${key}" with parent "${operation.parent}": on SQLite a record of this collection and its parent must be in the same group.`,
        })
      }
      parent = parentSplit.rest
    }
    const data = encodeStoredData(
      encodeData(operation.data, this.#collection, key),
      operation.compress,
      `${this.#collection}\u0000${key}`,
    )
    const expiresAt = operation.expiresAt ?? null
    const rest = split.rest
    const order = operation.order
    const statements = this.#statements
    const expected = operation.expectedRevision as number
    const kind = writeStatement(operation)
    type Written = { revision: number; ord: number } | undefined
    switch (kind) {
      case 'restore': {
        const { revision, createdAt, updatedAt } = operation.restore as NonNullable<PutOperation['restore']>
        statements.restore.run(group, rest, order, revision, createdAt, updatedAt, expiresAt, parent, data)
        return { revision, ord: order }
      }
      case 'updateKeep':
        return statements.updateKeep.get(now, expiresAt, data, parent, group, rest, expected) as Written
      case 'update':
        return statements.update.get(order, now, expiresAt, data, parent, group, rest, expected) as Written
      default:
        return statements[kind].get(group, rest, order, now, now, expiresAt, parent, data) as Written
    }
  }

  delete(key: string): void {
    const where = this.#where(key)
    if (where !== undefined) this.#statements.delete.run(...where)
  }

  deleteGroup(group: string): void {
    this.#statements.deleteGroup.run(group)
  }
}
