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
  statements: (names: { records: string; prefix: string }, dialect: 'sqlite' | 'postgres') => string[]
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
]

/** Checks a table prefix: letters, digits and underscores, so it can go into SQL unquoted-safe. */
export function isSafeIdentifier(value: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(value)
}
