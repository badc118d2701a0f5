/**
 * The SQL schema of the SQLite and PostgreSQL backends, as numbered migrations. A migration is
 * applied once, in order, inside a transaction, and recorded in the `<prefix>migrations` table.
 * Never edit a released migration: add the next one.
 *
 * @module
 */

/** One schema change. `statements` take the table prefix and the dialect's types. */
export interface SqlMigration {
  version: number
  name: string
  statements: (names: SqlNames, dialect: 'sqlite' | 'postgres') => string[]
}

/** The quoted (and, on PostgreSQL, schema-qualified) table names, and the bare prefix. */
export interface SqlNames {
  /** The records table. */
  records: string
  /** The secondary index table: (collection, index_value, ord, key) per index value of a record. */
  recordIndex: string
  prefix: string
}

/** Every migration, oldest first. */
export const sqlMigrations: readonly SqlMigration[] = [
  {
    version: 1,
    name: 'records',
    statements: ({ records, prefix }, dialect) => {
      // byte order for keys and groups (as in SQLite), so ORDER BY ord, key follows the index
      const text = dialect === 'sqlite' ? 'TEXT' : 'TEXT COLLATE "C"'
      const integer = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT'
      const real = dialect === 'sqlite' ? 'REAL' : 'DOUBLE PRECISION'
      const json = dialect === 'sqlite' ? 'TEXT' : 'JSONB'
      return [
        `CREATE TABLE ${records} (
          collection ${text} NOT NULL,
          key ${text} NOT NULL,
          grp ${text} NOT NULL,
          ord ${real} NOT NULL,
          revision ${integer} NOT NULL,
          created_at ${integer} NOT NULL,
          updated_at ${integer} NOT NULL,
          expires_at ${integer},
          data ${json} NOT NULL,
          PRIMARY KEY (collection, key)
        )`,
        `CREATE INDEX "${prefix}records_group" ON ${records} (collection, grp, ord, key)`,
        `CREATE INDEX "${prefix}records_order" ON ${records} (collection, ord, key)`,
      ]
    },
  },
  {
    version: 2,
    name: 'indexes and parents',
    statements: ({ records, recordIndex, prefix }, dialect) => {
      const text = dialect === 'sqlite' ? 'TEXT' : 'TEXT COLLATE "C"'
      const real = dialect === 'sqlite' ? 'REAL' : 'DOUBLE PRECISION'
      const field = (name: string) =>
        dialect === 'sqlite' ? `json_extract(data, '$.${name}')` : `(data->>'${name}')`
      const ignore = dialect === 'sqlite' ? 'INSERT OR IGNORE INTO' : 'INSERT INTO'
      const onConflict = dialect === 'sqlite' ? '' : ' ON CONFLICT DO NOTHING'
      // the index values of runs (see create-run-repository.ts), for runs stored before
      const runIndex = (value: string, where = '') =>
        `${ignore} ${recordIndex} (collection, index_value, ord, key)
         SELECT collection, ${value}, ord, key FROM ${records} WHERE collection = 'run'${where}${onConflict}`
      return [
        `ALTER TABLE ${records} ADD COLUMN parent ${text}`,
        `CREATE TABLE ${recordIndex} (
          collection ${text} NOT NULL,
          index_value ${text} NOT NULL,
          ord ${real} NOT NULL,
          key ${text} NOT NULL,
          PRIMARY KEY (collection, index_value, ord, key)
        )${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
        `CREATE INDEX "${prefix}record_index_key" ON ${recordIndex} (collection, key)`,
        runIndex(`'s:' || ${field('status')}`),
        runIndex(`'a:' || ${field('status')} || ':' || ${field('agentName')}`),
        runIndex(`'x:' || ${field('sessionId')}`, ` AND ${field('sessionId')} IS NOT NULL`),
        // a message's parent key is compositeKey(sessionId, parentId) (repositories/shared.ts); SQL
        // counts characters where JavaScript counts UTF-16 units, so an id with astral characters
        // gets no usable link here, and reading that branch falls back to reading the whole tree
        `UPDATE ${records} SET parent =
           length(${field('sessionId')}) || ':' || ${field('sessionId')} || length(${field('parentId')}) || ':' || ${field('parentId')}
         WHERE collection = 'session-message' AND ${field('parentId')} IS NOT NULL`,
      ]
    },
  },
  {
    version: 3,
    name: 'order index without run logs and messages',
    statements: ({ records, prefix }) => {
      // the index lives in the table's schema (PostgreSQL): qualify its name the same way
      const index = records.replace(/"[^"]+"$/, `"${prefix}records_order"`)
      return [
        `DROP INDEX ${index}`,
        `CREATE INDEX "${prefix}records_order" ON ${records} (collection, ord, key) WHERE ${orderIndexCondition()}`,
      ]
    },
  },
]

/**
 * Collections listed only by group (a run's events and parts, a session's messages) or never (a
 * run's checkpoint): the order index (collection, ord, key) leaves them out (migration 3), which
 * saves an index entry per record and two index pages per checkpoint written. A list of one of
 * them without a group still answers, by reading the collection.
 */
export const GROUP_ONLY_COLLECTIONS = ['run-event', 'run-part', 'run-checkpoint', 'session-message'] as const

/**
 * The condition of the partial order index. A list query repeats it word for word: that is what
 * lets SQLite and PostgreSQL prove the index covers the query (`collection = ?` alone does not).
 */
export function orderIndexCondition(alias?: string): string {
  const column = alias === undefined ? 'collection' : `${alias}.collection`
  return `${column} NOT IN (${GROUP_ONLY_COLLECTIONS.map((name) => `'${name}'`).join(', ')})`
}

/** Checks a table prefix: letters, digits and underscores, so it can go into SQL unquoted-safe. */
export function isSafeIdentifier(value: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(value)
}
