import type pg from 'pg'
import { sqlMigrations } from '../sql-migrations.js'

/** Quoted names of the backend's tables. */
export interface PostgresNames {
  schema: string
  prefix: string
  records: string
  recordIndex: string
  migrations: string
}

export function postgresNames(schema: string, prefix: string): PostgresNames {
  return {
    schema,
    prefix,
    records: `"${schema}"."${prefix}records"`,
    recordIndex: `"${schema}"."${prefix}record_index"`,
    migrations: `"${schema}"."${prefix}migrations"`,
  }
}

/**
 * Creates the schema and applies pending migrations in one transaction, under an advisory lock so
 * that processes starting together do not race.
 */
export async function migratePostgres(client: pg.PoolClient, names: PostgresNames): Promise<void> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `agentloop:${names.schema}.${names.prefix}`,
    ])
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${names.schema}"`)
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${names.migrations} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    )
    const { rows } = await client.query<{ version: number | null }>(
      `SELECT MAX(version) AS version FROM ${names.migrations}`,
    )
    const applied = rows[0]?.version ?? 0
    for (const migration of sqlMigrations) {
      if (migration.version <= applied) continue
      for (const statement of migration.statements(
        { records: names.records, recordIndex: names.recordIndex, prefix: names.prefix },
        'postgres',
      )) {
        await client.query(statement)
      }
      await client.query(`INSERT INTO ${names.migrations} (version, name, applied_at) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        Date.now(),
      ])
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  }
}

/**
 * Turns on the pgvector index when the extension is available: creates the extension if allowed,
 * adds the `embedding` column (outside the numbered migrations, since it depends on the server)
 * and fills it for embeddings stored before. Returns false, changing nothing, when pgvector is
 * not installed on the server.
 */
export async function enablePgvector(client: pg.PoolClient, names: PostgresNames): Promise<boolean> {
  const available = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`)
  if (available.rowCount === 0) return false
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `agentloop:${names.schema}.${names.prefix}`,
    ])
    await client.query('CREATE EXTENSION IF NOT EXISTS vector')
    await client.query(`ALTER TABLE ${names.records} ADD COLUMN IF NOT EXISTS embedding vector`)
    await client.query(
      `UPDATE ${names.records} SET embedding = (data->'vector')::text::vector
       WHERE collection = 'embedding' AND embedding IS NULL AND jsonb_typeof(data->'vector') = 'array'`,
    )
    await client.query('COMMIT')
    return true
  } catch {
    // no right to create the extension, or an old pgvector: use the fallback
    await client.query('ROLLBACK').catch(() => {})
    return false
  }
}
