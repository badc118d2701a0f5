import type BetterSqlite3 from 'better-sqlite3'
import { encodeData, parseData } from '../record-codec.js'
import { sqlMigrations } from '../sql-migrations.js'
import type {
  CommitResult,
  ListOptions,
  PutOperation,
  StoreDriver,
  StoredRecord,
  WriteOperation,
} from '../store-driver.js'

interface Row {
  key: string
  grp: string
  ord: number
  revision: number
  created_at: number
  updated_at: number
  expires_at: number | null
  data: string
}

class Conflict {
  constructor(
    readonly index: number,
    readonly actualRevision: number | null,
  ) {}
}

/** Applies the migrations this database has not seen yet, in one transaction. */
function migrate(db: BetterSqlite3.Database, prefix: string): void {
  const migrations = `"${prefix}migrations"`
  const records = `"${prefix}records"`
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
      for (const statement of migration.statements({ records, prefix }, 'sqlite')) db.exec(statement)
      db.prepare(`INSERT INTO ${migrations} (version, name, applied_at) VALUES (?, ?, ?)`).run(
        migration.version,
        migration.name,
        Date.now(),
      )
    }
  }).immediate()
}

/** The SQLite store: one table of records, every commit one IMMEDIATE transaction. */
export function createSqliteDriver(db: BetterSqlite3.Database, prefix: string): StoreDriver {
  migrate(db, prefix)
  const table = `"${prefix}records"`
  const columns = 'key, grp, ord, revision, created_at, updated_at, expires_at, data'
  const select = {
    get: db.prepare(`SELECT ${columns} FROM ${table} WHERE collection = ? AND key = ?`),
    revision: db.prepare(`SELECT revision FROM ${table} WHERE collection = ? AND key = ?`).pluck(),
  }
  const write = {
    insert: db.prepare(
      `INSERT INTO ${table} (collection, ${columns}) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
       ON CONFLICT (collection, key) DO NOTHING RETURNING revision`,
    ),
    upsert: db.prepare(
      `INSERT INTO ${table} (collection, ${columns}) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
       ON CONFLICT (collection, key) DO UPDATE SET grp = excluded.grp, ord = excluded.ord,
         revision = revision + 1, updated_at = excluded.updated_at, expires_at = excluded.expires_at, data = excluded.data
       RETURNING revision`,
    ),
    upsertKeep: db.prepare(
      `INSERT INTO ${table} (collection, ${columns}) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
       ON CONFLICT (collection, key) DO UPDATE SET
         revision = revision + 1, updated_at = excluded.updated_at, expires_at = excluded.expires_at, data = excluded.data
       RETURNING revision`,
    ),
    updateKeep: db.prepare(
      `UPDATE ${table} SET revision = revision + 1, updated_at = ?, expires_at = ?, data = ?
       WHERE collection = ? AND key = ? AND revision = ? RETURNING revision`,
    ),
    update: db.prepare(
      `UPDATE ${table} SET grp = ?, ord = ?, revision = revision + 1, updated_at = ?, expires_at = ?, data = ?
       WHERE collection = ? AND key = ? AND revision = ? RETURNING revision`,
    ),
    restore: db.prepare(
      `INSERT OR REPLACE INTO ${table} (collection, ${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    delete: db.prepare(`DELETE FROM ${table} WHERE collection = ? AND key = ?`),
    deleteGroup: db.prepare(`DELETE FROM ${table} WHERE collection = ? AND grp = ?`),
  }
  const lists = new Map<string, BetterSqlite3.Statement>()

  const toRecord = (collection: string, row: Row): StoredRecord => ({
    collection,
    key: row.key,
    group: row.grp,
    order: row.ord,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    data: parseData(row.data, collection, row.key),
  })

  const put = (operation: PutOperation, index: number, now: number): number => {
    const text = encodeData(operation.data, operation.collection, operation.key)
    const expiresAt = operation.expiresAt ?? null
    const { collection, key, group, order } = operation
    if (operation.restore !== undefined) {
      const { revision, createdAt, updatedAt } = operation.restore
      write.restore.run(collection, key, group, order, revision, createdAt, updatedAt, expiresAt, text)
      return revision
    }
    if (typeof operation.expectedRevision === 'number') {
      // keepPosition leaves grp and ord (and so their index entries) untouched
      const revision = (
        operation.keepPosition
          ? write.updateKeep.pluck().get(now, expiresAt, text, collection, key, operation.expectedRevision)
          : write.update
              .pluck()
              .get(group, order, now, expiresAt, text, collection, key, operation.expectedRevision)
      ) as number | undefined
      if (revision === undefined)
        throw new Conflict(index, (select.revision.get(collection, key) as number) ?? null)
      return revision
    }
    const statement =
      operation.expectedRevision === null || operation.ifAbsent
        ? write.insert
        : operation.keepPosition
          ? write.upsertKeep
          : write.upsert
    const revision = statement.pluck().get(collection, key, group, order, now, now, expiresAt, text) as
      | number
      | undefined
    if (revision !== undefined) return revision
    if (operation.ifAbsent) return 0
    throw new Conflict(index, (select.revision.get(collection, key) as number) ?? null)
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
            const actual =
              (select.revision.get(operation.collection, operation.key) as number | undefined) ?? null
            if (actual !== operation.expectedRevision) throw new Conflict(index, actual)
          }
          if (operation.type === 'delete') write.delete.run(operation.collection, operation.key)
          revisions.push(0)
          break
        }
        case 'deleteGroup':
          write.deleteGroup.run(operation.collection, operation.group)
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

  return {
    name: 'sqlite',

    async get(collection, key) {
      const row = select.get.get(collection, key) as Row | undefined
      if (row === undefined || (row.expires_at !== null && row.expires_at <= Date.now())) return null
      return toRecord(collection, row)
    },

    async list(collection, options: ListOptions = {}) {
      const conditions = ['collection = ?', '(expires_at IS NULL OR expires_at > ?)']
      const parameters: unknown[] = [collection, Date.now()]
      if (options.group !== undefined) {
        conditions.push('grp = ?')
        parameters.push(options.group)
      }
      if (options.afterOrder !== undefined) {
        conditions.push('ord > ?')
        parameters.push(options.afterOrder)
      }
      const direction = options.descending ? 'DESC' : 'ASC'
      let sql = `SELECT ${columns} FROM ${table} WHERE ${conditions.join(' AND ')} ORDER BY ord ${direction}, key ${direction}`
      if (options.limit !== undefined) {
        sql += ' LIMIT ?'
        parameters.push(options.limit)
      }
      let statement = lists.get(sql)
      if (statement === undefined) {
        statement = db.prepare(sql)
        lists.set(sql, statement)
      }
      return (statement.all(...parameters) as Row[]).map((row) => toRecord(collection, row))
    },

    async commit(operations, now): Promise<CommitResult> {
      try {
        return { ok: true, revisions: apply.immediate(operations, now) }
      } catch (error) {
        if (error instanceof Conflict)
          return { ok: false, index: error.index, actualRevision: error.actualRevision }
        throw error
      }
    },

    info() {
      return {
        journalMode: String(db.pragma('journal_mode', { simple: true })),
        // 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
        synchronous:
          ['OFF', 'NORMAL', 'FULL', 'EXTRA'][Number(db.pragma('synchronous', { simple: true }))] ?? 'unknown',
        file: db.name,
      }
    },

    async close() {
      if (db.open) db.close()
    },
  }
}
