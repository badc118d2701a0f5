import type BetterSqlite3 from 'better-sqlite3'
import { encodeData, parseData } from '../record-codec.js'
import { listQuery } from '../sql-list-query.js'
import type {
  AncestorOptions,
  CommitResult,
  ListOptions,
  PutOperation,
  StoreDriver,
  StoredRecord,
  WriteOperation,
} from '../store-driver.js'
import { COLLECTION_TABLES, CollectionTable, type TableCollection } from './sqlite-collection-table.js'
import { retryWhileBusy, sqliteError } from './sqlite-errors.js'
import { GroupCommit } from './sqlite-group-commit.js'
import { IndexEntries } from './sqlite-index-entries.js'
import { migrateSqlite } from './sqlite-migrations.js'
import { prepareStatements, recordOf, type SqliteRow, writeStatement } from './sqlite-statements.js'

/** The longest chain `ancestors` follows without a limit: a bound in case of a cycle (hand-edited data). */
export const MAX_CHAIN = 1_000_000

class Conflict {
  constructor(
    readonly index: number,
    readonly actualRevision: number | null,
  ) {}
}

/** What the SQLite driver needs besides the database. */
export interface SqliteDriverOptions {
  /** Prefix of the table names. */
  prefix: string
  /** For error messages. */
  busyTimeoutMs: number
  /**
   * Group commit (default true): the commits asked for during one turn of the event loop are
   * applied in one transaction (one sync to disk), each in its own savepoint so it stays atomic and
   * a failed compare-and-set fails only its own batch. False: one transaction per commit, at once.
   */
  groupCommit?: boolean
}

/** A chain of ancestors up to its first repeated record: a cycle (only hand-edited data has one) ends it. */
function withoutCycle(chain: StoredRecord[]): StoredRecord[] {
  const seen = new Set<string>()
  const records: StoredRecord[] = []
  for (const record of chain) {
    if (seen.has(record.key)) break
    seen.add(record.key)
    records.push(record)
  }
  return records
}

/** The SQLite store: one table of records (and one of index entries), transactions with revision checks. */
export function createSqliteDriver(db: BetterSqlite3.Database, options: SqliteDriverOptions): StoreDriver {
  const file = db.name
  const wrap = (error: unknown, phase: 'open' | 'read' | 'write') =>
    sqliteError(error, { file, busyTimeoutMs: options.busyTimeoutMs, phase })
  try {
    retryWhileBusy(() => migrateSqlite(db, options.prefix), options.busyTimeoutMs)
  } catch (error) {
    throw wrap(error, 'open')
  }
  const statements = prepareStatements(db, options.prefix)
  /** The collections kept in tables of their own (`sqlite-collection-table.ts`). */
  const tables = new Map<string, CollectionTable>(
    (Object.keys(COLLECTION_TABLES) as TableCollection[]).map((collection) => [
      collection,
      new CollectionTable(db, options.prefix, collection),
    ]),
  )
  const revisionOf = (collection: string, key: string): number | null => {
    const table = tables.get(collection)
    if (table !== undefined) return table.revision(key)
    return (statements.revision.get(collection, key) as number | undefined) ?? null
  }
  const dialect = {
    table: statements.table,
    index: statements.index,
    columns: 'r.key, r.grp, r.ord, r.revision, r.created_at, r.updated_at, r.expires_at, r.data',
    placeholder: () => '?',
  }
  const lists = new Map<string, BetterSqlite3.Statement>()
  const indexEntries = new IndexEntries(statements)

  const toRecord = (collection: string, row: SqliteRow): StoredRecord =>
    recordOf(collection, row.key, row, parseData(row.data, collection, row.key))

  const put = (operation: PutOperation, index: number, now: number): number => {
    const table = tables.get(operation.collection)
    if (table !== undefined) {
      const written = table.put(operation, now)
      if (written !== undefined) return written.revision
      if (operation.ifAbsent && writeStatement(operation) === 'insert') return 0
      throw new Conflict(index, table.revision(operation.key))
    }
    const text = encodeData(operation.data, operation.collection, operation.key)
    const expiresAt = operation.expiresAt ?? null
    const parent = operation.parent ?? null
    const { collection, key, group, order } = operation
    const expected = operation.expectedRevision as number
    const kind = writeStatement(operation)
    let written: { revision: number; ord: number } | undefined
    switch (kind) {
      case 'restore': {
        const { revision, createdAt, updatedAt } = operation.restore as NonNullable<PutOperation['restore']>
        statements.restore.run(
          collection,
          key,
          group,
          order,
          revision,
          createdAt,
          updatedAt,
          expiresAt,
          text,
          parent,
        )
        written = { revision, ord: order }
        break
      }
      // updateKeep leaves grp and ord (and so their index entries) untouched
      case 'updateKeep':
        written = statements.updateKeep.get(
          now,
          expiresAt,
          text,
          parent,
          collection,
          key,
          expected,
        ) as typeof written
        break
      case 'update':
        written = statements.update.get(
          group,
          order,
          now,
          expiresAt,
          text,
          parent,
          collection,
          key,
          expected,
        ) as typeof written | undefined
        break
      default:
        written = statements[kind].get(collection, key, group, order, now, now, expiresAt, text, parent) as
          | typeof written
          | undefined
    }
    if (written === undefined) {
      if (operation.ifAbsent && kind === 'insert') return 0
      throw new Conflict(index, (statements.revision.get(collection, key) as number) ?? null)
    }
    if (operation.indexes !== undefined) {
      indexEntries.afterPut(collection, key, operation.expectedRevision, written, operation.indexes)
    }
    return written.revision
  }

  const apply = db.transaction((operations: readonly WriteOperation[], now: number): number[] => {
    const revisions: number[] = []
    for (const [index, operation] of operations.entries()) {
      switch (operation.type) {
        case 'put':
          revisions.push(put(operation, index, now))
          break
        case 'delete':
        case 'check': {
          if (operation.expectedRevision !== undefined) {
            const actual = revisionOf(operation.collection, operation.key)
            if (actual !== operation.expectedRevision) throw new Conflict(index, actual)
          }
          const table = tables.get(operation.collection)
          if (operation.type === 'delete' && table !== undefined) table.delete(operation.key)
          else if (operation.type === 'delete') {
            indexEntries.beforeDelete(operation.collection, operation.key)
            statements.delete.run(operation.collection, operation.key)
          }
          revisions.push(0)
          break
        }
        case 'deleteGroup':
          if (tables.has(operation.collection)) {
            tables.get(operation.collection)?.deleteGroup(operation.group)
            revisions.push(0)
            break
          }
          indexEntries.beforeDeleteGroup(operation.collection, operation.group)
          statements.deleteGroup.run(operation.collection, operation.group)
          revisions.push(0)
          break
        default: {
          const never: never = operation
          throw new Error(`unknown operation ${JSON.stringify(never)}`)
        }
      }
    }
    return revisions
  })

  /** One batch as a CommitResult; a failed revision check is a result, anything else throws. */
  const attempt = (operations: readonly WriteOperation[], now: number, immediate: boolean): CommitResult => {
    try {
      return { ok: true, revisions: immediate ? apply.immediate(operations, now) : apply(operations, now) }
    } catch (error) {
      indexEntries.forget()
      if (error instanceof Conflict)
        return { ok: false, index: error.index, actualRevision: error.actualRevision }
      throw error
    }
  }

  const groupCommit = new GroupCommit(
    db,
    attempt,
    (error) => wrap(error, 'write'),
    () => indexEntries.forget(),
  )

  return {
    name: 'sqlite',

    async get(collection, key) {
      let row: SqliteRow | undefined
      try {
        const table = tables.get(collection)
        if (table !== undefined) return table.get(key, Date.now())
        row = statements.get.get(collection, key) as SqliteRow | undefined
      } catch (error) {
        throw wrap(error, 'read')
      }
      if (row === undefined || (row.expires_at !== null && row.expires_at <= Date.now())) return null
      return toRecord(collection, row)
    },

    async list(collection, listOptions: ListOptions = {}) {
      const table = tables.get(collection)
      if (table !== undefined) {
        try {
          return table.list(listOptions, Date.now())
        } catch (error) {
          throw wrap(error, 'read')
        }
      }
      const { sql, parameters } = listQuery(dialect, collection, listOptions, Date.now())
      let rows: SqliteRow[]
      try {
        let statement = lists.get(sql)
        if (statement === undefined) {
          statement = db.prepare(sql)
          lists.set(sql, statement)
        }
        rows = statement.all(...parameters) as SqliteRow[]
      } catch (error) {
        throw wrap(error, 'read')
      }
      return rows.map((row) => toRecord(collection, row))
    },

    async ancestors(collection, key, ancestorOptions: AncestorOptions = {}) {
      let rows: SqliteRow[]
      const table = tables.get(collection)
      try {
        if (table !== undefined) {
          return withoutCycle(table.ancestors(key, ancestorOptions.limit ?? MAX_CHAIN, Date.now()))
        }
        rows = statements.ancestors.all({
          collection,
          key,
          now: Date.now(),
          limit: ancestorOptions.limit ?? MAX_CHAIN,
        }) as SqliteRow[]
      } catch (error) {
        throw wrap(error, 'read')
      }
      return withoutCycle(rows.map((row) => toRecord(collection, row)))
    },

    commit(operations, now): Promise<CommitResult> {
      if (options.groupCommit === false) {
        try {
          return Promise.resolve(attempt(operations, now, true))
        } catch (error) {
          return Promise.reject(wrap(error, 'write'))
        }
      }
      return groupCommit.commit(operations, now)
    },

    info() {
      return {
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
        synchronous:
          ['OFF', 'NORMAL', 'FULL', 'EXTRA'][Number(db.pragma('synchronous', { simple: true }))] ?? 'unknown',
        file,
        groupCommit: options.groupCommit !== false,
        walAutocheckpointPages: Number(db.pragma('wal_autocheckpoint', { simple: true })),
        walSizeLimitBytes: Number(db.pragma('journal_size_limit', { simple: true })),
      }
    },

    async close() {
      groupCommit.flush()
      if (db.open) db.close()
    },
  }
}
