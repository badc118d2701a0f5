/**
 * The SQLite schema's migrations: the ones shared with PostgreSQL (`sql-migrations.ts`), then
 * SQLite's own, which also move existing rows. Applied on open, once each, by number, in one
 * transaction, and recorded in `<prefix>migrations`.
 *
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3'
import { sqlMigrations } from '../sql-migrations.js'
import { StoredDataError } from '../storage-errors.js'
import {
  COLLECTION_TABLES,
  collectionTableStatements,
  splitGroupKey,
  type TableCollection,
} from './sqlite-collection-table.js'
import type { SqliteRow } from './sqlite-statements.js'

/** A schema change of the SQLite backend alone, with the code that moves existing rows. */
interface SqliteMigration {
  version: number
  name: string
  run: (db: BetterSqlite3.Database, prefix: string) => void
}

/**
 * SQLite's own migrations, numbered from 101 so they never meet the shared ones (`sql-migrations.ts`,
 * PostgreSQL's too). Never edit a released one: add the next.
 */
const sqliteMigrations: readonly SqliteMigration[] = [
  {
    version: 101,
    name: 'tables of their own for session messages and run events',
    run: moveToCollectionTables,
  },
  {
    version: 102,
    name: 'index values kept in their record',
    run: (db, prefix) => {
      const records = `"${prefix}records"`
      const index = `"${prefix}record_index"`
      const entries = `FROM ${index} i WHERE i.collection = ${records}.collection AND i.key = ${records}.key`
      db.exec(`ALTER TABLE ${records} ADD COLUMN index_ord REAL`)
      db.exec(`ALTER TABLE ${records} ADD COLUMN index_values TEXT`)
      // a record's entries are always written together, at the record's order then
      db.exec(
        `UPDATE ${records} SET index_ord = (SELECT min(i.ord) ${entries}),
           index_values = (SELECT json_group_array(i.index_value) ${entries})
         WHERE EXISTS (SELECT 1 ${entries})`,
      )
      db.exec(`DROP INDEX "${prefix}record_index_key"`)
    },
  },
]

/** Applies the migrations this database has not seen yet (shared ones first), in one transaction. */
export function migrateSqlite(db: BetterSqlite3.Database, prefix: string): void {
  const migrations = `"${prefix}migrations"`
  const names = { records: `"${prefix}records"`, recordIndex: `"${prefix}record_index"`, prefix }
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${migrations} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  )
  const record = (version: number, name: string) =>
    db
      .prepare(`INSERT INTO ${migrations} (version, name, applied_at) VALUES (?, ?, ?)`)
      .run(version, name, Date.now())
  db.transaction(() => {
    const applied = new Set(db.prepare(`SELECT version FROM ${migrations}`).pluck().all() as number[])
    for (const migration of sqlMigrations) {
      if (applied.has(migration.version)) continue
      for (const statement of migration.statements(names, 'sqlite')) db.exec(statement)
      record(migration.version, migration.name)
    }
    for (const migration of sqliteMigrations) {
      if (applied.has(migration.version)) continue
      migration.run(db, prefix)
      record(migration.version, migration.name)
    }
  }).immediate()
}

/**
 * Migration 101: creates the tables of `COLLECTION_TABLES` and moves their collections' rows out
 * of the records table, in pages (the key split is computed here, where lengths count UTF-16
 * units as `compositeKey` does, not in SQL, which counts characters). A row whose key does not
 * start with its group cannot be stored there; agentloop never wrote one, and the migration
 * stops with a `StoredDataError` naming it rather than drop it.
 */
function moveToCollectionTables(db: BetterSqlite3.Database, prefix: string): void {
  const records = `"${prefix}records"`
  for (const collection of Object.keys(COLLECTION_TABLES) as TableCollection[]) {
    for (const statement of collectionTableStatements(prefix, collection)) db.exec(statement)
    const table = `"${prefix}${COLLECTION_TABLES[collection].table}"`
    const page = db.prepare(
      `SELECT key, grp, ord, revision, created_at, updated_at, expires_at, parent, data FROM ${records}
       WHERE collection = ? AND key > ? ORDER BY key LIMIT 500`,
    )
    const insert = db.prepare(
      `INSERT INTO ${table} (grp, key, ord, revision, created_at, updated_at, expires_at, parent, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    const remove = db.prepare(`DELETE FROM ${records} WHERE collection = ? AND key = ?`)
    let last = ''
    for (;;) {
      const rows = page.all(collection, last) as (SqliteRow & { parent: string | null })[]
      if (rows.length === 0) break
      for (const row of rows) {
        const split = splitGroupKey(row.key)
        if (split === undefined || split.group !== row.grp) {
          throw new StoredDataError({
            message: `Stored ${collection} "${row.key}" cannot move to the table ${table} (SQLite migration 101): its key does not start with its group "${row.grp}". Delete or repair the record, then open the database again.`,
            collection,
            key: row.key,
          })
        }
        // a parent link SQL migration 2 could not compute (astral characters) is left out: reading
        // that branch then falls back to the whole tree, as it did before
        const parent = row.parent === null ? undefined : splitGroupKey(row.parent)
        insert.run(
          row.grp,
          split.rest,
          row.ord,
          row.revision,
          row.created_at,
          row.updated_at,
          row.expires_at,
          parent?.group === row.grp ? parent.rest : null,
          row.data,
        )
        remove.run(collection, row.key)
      }
      last = (rows.at(-1) as SqliteRow).key
    }
  }
}
