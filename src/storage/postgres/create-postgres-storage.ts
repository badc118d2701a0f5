import type pg from 'pg'
import { ConfigError } from '../../errors/errors.js'
import { createStorage } from '../create-storage.js'
import { isSafeIdentifier } from '../sql-migrations.js'
import type { Storage } from '../storage.js'
import { pgModule } from './pg-module.js'
import { createPostgresDriver } from './postgres-driver.js'
import { serverOf } from './postgres-errors.js'
import { postgresNames } from './postgres-schema.js'

/** Options of {@link createPostgresStorage}. */
export interface PostgresStorageOptions {
  /** `postgres://user:password@host:5432/database`. Required unless `pool` is given. */
  connectionString?: string
  /** Use this pool instead of opening one (it is then not closed by `storage.close()`). */
  pool?: pg.Pool
  /** The schema of the tables (default `public`; created when missing). */
  schema?: string
  /** Prefix of the table names (default `agentloop_`). */
  tablePrefix?: string
  /** Connections of the pool agentloop opens (default 10). */
  maxConnections?: number
  /**
   * Similarity search: `auto` (default) uses pgvector when the server has the extension (and
   * creates it if allowed), else computes cosine in JavaScript; `js` never uses pgvector.
   */
  vector?: 'auto' | 'js'
}

/** Checks the shape of a connection string before any connection (its password never in the message). */
function checkConnectionString(connectionString: string): void {
  let url: URL | undefined
  try {
    url = new URL(connectionString)
  } catch {
    url = undefined
  }
  const problem =
    url === undefined
      ? 'is not a URL (not shown: it may hold a password)'
      : url.protocol !== 'postgres:' && url.protocol !== 'postgresql:'
        ? `has the scheme ${JSON.stringify(url.protocol)}, not postgres: or postgresql:`
        : undefined
  if (problem !== undefined) {
    // nothing but the scheme is shown: the rest may hold a password
    throw new ConfigError({
      message: `createPostgresStorage: connectionString ${problem}. Give it as postgres://user:password@host:5432/database (often process.env.DATABASE_URL).`,
    })
  }
}

/**
 * A `Storage` on PostgreSQL with `pg`: one table of JSONB records, migrations applied on first use
 * (under an advisory lock), compare-and-set in transactions, embeddings in pgvector when available.
 * Returns at once; the connection and migrations happen on the first call, which reports any
 * connection error.
 */
export function createPostgresStorage(options: PostgresStorageOptions): Storage {
  if (
    options?.pool === undefined &&
    (typeof options?.connectionString !== 'string' || options.connectionString === '')
  ) {
    throw new ConfigError({
      message:
        "createPostgresStorage: give connectionString (e.g. 'postgres://postgres@127.0.0.1:5432/app', often process.env.DATABASE_URL) or a pg Pool as pool.",
    })
  }
  if (options.pool === undefined) checkConnectionString(options.connectionString as string)
  const schema = options.schema ?? 'public'
  const prefix = options.tablePrefix ?? 'agentloop_'
  for (const [field, value] of [
    ['schema', schema],
    ['tablePrefix', prefix],
  ] as const) {
    if (!isSafeIdentifier(value)) {
      throw new ConfigError({
        message: `createPostgresStorage: ${field} must be letters, digits and underscores, starting with a letter or underscore (at most 41); got ${JSON.stringify(value)}.`,
      })
    }
  }
  const vector = options.vector ?? 'auto'
  if (vector !== 'auto' && vector !== 'js') {
    throw new ConfigError({
      message: `createPostgresStorage: vector must be 'auto' or 'js'; got ${JSON.stringify(vector)}.`,
    })
  }
  const pool =
    options.pool ??
    new pgModule.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 })
  // an idle client's error (server restart) must not crash the process; the next query reports it
  if (options.pool === undefined) pool.on('error', () => {})
  return createStorage(
    createPostgresDriver({
      pool,
      names: postgresNames(schema, prefix),
      vector,
      ownsPool: options.pool === undefined,
      server: serverOf(options.pool === undefined ? options.connectionString : undefined),
    }),
  )
}
