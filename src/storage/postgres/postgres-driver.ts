import type pg from 'pg'
import type { JsonObject } from '../../util/json.js'
import { parseData } from '../record-codec.js'
import { listQuery } from '../sql-list-query.js'
import { StorageError } from '../storage-errors.js'
import type {
  AncestorOptions,
  CommitResult,
  ListOptions,
  StoreDriver,
  StoredRecord,
  VectorQuery,
} from '../store-driver.js'
import { isConnectionLost, postgresError } from './postgres-errors.js'
import { fromJsonb, jsonbString, jsonbValue } from './postgres-json.js'
import { enablePgvector, migratePostgres, type PostgresNames } from './postgres-schema.js'
import { Conflict, createPostgresWriter } from './postgres-writes.js'

interface Row {
  collection: string
  key: string
  grp: string
  ord: number
  revision: string | number
  created_at: string | number
  updated_at: string | number
  expires_at: string | number | null
  data: string
  score?: number
}

const COLUMNS =
  'r.collection, r.key, r.grp, r.ord, r.revision, r.created_at, r.updated_at, r.expires_at, r.data::text AS data'

/**
 * How long a statement (or transaction) is retried on fresh connections after the server dropped
 * one, in ms: long enough for a failover or a restart, short enough to report a real outage.
 */
const RETRY_WINDOW_MS = 10_000
/** The longest `ancestors` walk without a limit (a bound in case of a cycle in hand-edited data). */
const MAX_CHAIN = 1_000_000

function toRecord(row: Row): StoredRecord {
  return {
    collection: row.collection,
    key: row.key,
    group: row.grp,
    order: row.ord,
    revision: Number(row.revision),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    data: parseData(fromJsonb(row.data), row.collection, row.key),
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const backoff = (attempt: number) => sleep(Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random() / 2))
/** Whether to retry after `error`, `attempt` attempts since `start`. */
const retryable = (error: unknown, start: number) =>
  isConnectionLost(error) && performance.now() - start < RETRY_WINDOW_MS

/** What the driver needs: a pool, the table names, whether to use pgvector, and who closes the pool. */
export interface PostgresDriverOptions {
  pool: pg.Pool
  names: PostgresNames
  vector: 'auto' | 'js'
  ownsPool: boolean
  /** `host:port` for messages (never the password). */
  server: string
}

/**
 * The PostgreSQL store: one table of records (and one of index entries), every commit one
 * transaction with row-level revision checks. A connection the server drops (restart,
 * `pg_terminate_backend`) never crashes the process: the statement or transaction is retried on a
 * fresh connection, and a COMMIT whose answer was lost is resolved with `txid_status`.
 */
export function createPostgresDriver(options: PostgresDriverOptions): StoreDriver {
  const { pool, names, server } = options
  const table = names.records
  // Every client gets an 'error' listener for its whole life. pg-pool removes its own when it hands
  // a client out, and a connection killed right then (the server's FATAL can arrive in the same
  // packet as the end of the handshake, before the caller gets the client) would otherwise be an
  // unhandled 'error' event: the process would exit. The failure still reaches the query.
  pool.on('connect', (client) => {
    client.on('error', () => {})
  })
  let pgvector = false
  const apply = createPostgresWriter({ table, index: names.recordIndex, pgvector: () => pgvector })
  const fail = (what: string, error: unknown): never => {
    throw postgresError(what, error, server)
  }

  /** Runs `body` on a checked-out client with an 'error' listener (else a dropped connection kills the process). */
  async function withClient<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    let lost: unknown
    const onError = (error: unknown) => {
      lost = error
    }
    client.on('error', onError)
    let broken = false
    try {
      return await body(client)
    } catch (error) {
      broken = lost !== undefined || isConnectionLost(error)
      throw error
    } finally {
      client.removeListener('error', onError)
      // a broken client is destroyed, not returned to the pool
      client.release(broken ? (lost instanceof Error ? lost : true) : undefined)
    }
  }

  let ready: Promise<void> | undefined
  const ensureReady = () => {
    ready ??= (async () => {
      const start = performance.now()
      for (let attempt = 1; ; attempt++) {
        try {
          await withClient(async (client) => {
            await migratePostgres(client, names)
            if (options.vector === 'auto') pgvector = await enablePgvector(client, names)
          })
          return
        } catch (error) {
          if (!retryable(error, start)) throw error
          await backoff(attempt)
        }
      }
    })().catch((error: unknown) => {
      ready = undefined // the next call tries again
      throw error
    })
    return ready
  }

  async function query<T extends pg.QueryResultRow>(
    what: string,
    sql: string,
    values: unknown[],
  ): Promise<T[]> {
    const start = performance.now()
    for (let attempt = 1; ; attempt++) {
      try {
        await ensureReady()
        return (await pool.query<T>(sql, values)).rows
      } catch (error) {
        if (retryable(error, start)) {
          await backoff(attempt)
          continue
        }
        return fail(what, error)
      }
    }
  }

  /** After a connection died during COMMIT: did the transaction commit? */
  async function outcomeOf(transactionId: string): Promise<'committed' | 'aborted' | 'unknown'> {
    const start = performance.now()
    for (let attempt = 1; performance.now() - start < RETRY_WINDOW_MS; attempt++) {
      try {
        const { rows } = await pool.query<{ status: string | null }>('SELECT txid_status($1) AS status', [
          transactionId,
        ])
        const status = rows[0]?.status
        if (status === 'committed') return 'committed'
        if (status === 'aborted' || status === null || status === undefined) return 'aborted'
      } catch (error) {
        if (!isConnectionLost(error)) return 'unknown'
      }
      await backoff(attempt) // 'in progress': the terminated backend has not finished rolling back
    }
    return 'unknown'
  }

  type Attempt = { done: CommitResult } | { retry: unknown }

  async function commitOnce(operations: Parameters<StoreDriver['commit']>[0], now: number): Promise<Attempt> {
    let transactionId: string | undefined
    let committing = false
    let revisions: number[] = []
    try {
      return await withClient(async (client) => {
        try {
          const [, idResult] = (await client.query(
            'BEGIN; SELECT txid_current()::text AS id',
          )) as unknown as pg.QueryResult<{ id: string }>[]
          transactionId = idResult?.rows[0]?.id
          revisions = await apply(client, operations, now)
          committing = true
          await client.query('COMMIT')
          return { done: { ok: true, revisions } }
        } catch (error) {
          if (!isConnectionLost(error)) await client.query('ROLLBACK').catch(() => {})
          if (error instanceof Conflict)
            return { done: { ok: false, index: error.index, actualRevision: error.actualRevision } }
          throw error
        }
      })
    } catch (error) {
      if (!isConnectionLost(error)) throw error
      if (!committing || transactionId === undefined) return { retry: error }
      const outcome = await outcomeOf(transactionId)
      if (outcome === 'committed') return { done: { ok: true, revisions } }
      if (outcome === 'aborted') return { retry: error }
      throw new StorageError({
        message: `PostgreSQL write failed: the connection to ${server} was lost during COMMIT and the outcome of transaction ${transactionId} cannot be read. Load the records again before deciding what to write.`,
        cause: error,
      })
    }
  }

  return {
    name: 'postgres',

    async get(collection, key) {
      const rows = await query<Row>(
        'read',
        `SELECT ${COLUMNS} FROM ${table} r WHERE r.collection = $1 AND r.key = $2 AND (r.expires_at IS NULL OR r.expires_at > $3)`,
        [collection, key, Date.now()],
      )
      return rows[0] === undefined ? null : toRecord(rows[0])
    },

    async list(collection, listOptions: ListOptions = {}) {
      const { sql, parameters } = listQuery(
        { table, index: names.recordIndex, columns: COLUMNS, placeholder: (position) => `$${position}` },
        collection,
        listOptions,
        Date.now(),
      )
      return (await query<Row>('read', sql, parameters)).map(toRecord)
    },

    async ancestors(collection, key, ancestorOptions: AncestorOptions = {}) {
      const rows = await query<Row>(
        'read',
        `WITH RECURSIVE chain(key, parent, depth) AS (
           SELECT key, parent, 0 FROM ${table}
           WHERE collection = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)
           UNION ALL
           SELECT r.key, r.parent, chain.depth + 1 FROM chain JOIN ${table} r ON r.collection = $1 AND r.key = chain.parent
           WHERE chain.depth + 1 < $4 AND (r.expires_at IS NULL OR r.expires_at > $3)
         )
         SELECT ${COLUMNS} FROM chain JOIN ${table} r ON r.collection = $1 AND r.key = chain.key ORDER BY chain.depth`,
        [collection, key, Date.now(), ancestorOptions.limit ?? MAX_CHAIN],
      )
      const seen = new Set<string>()
      const records: StoredRecord[] = []
      for (const row of rows) {
        if (seen.has(row.key)) break // a cycle: only hand-edited data has one
        seen.add(row.key)
        records.push(toRecord(row))
      }
      return records
    },

    async commit(operations, now): Promise<CommitResult> {
      const start = performance.now()
      for (let attempt = 1; ; attempt++) {
        let result: Attempt
        try {
          await ensureReady()
          result = await commitOnce(operations, now)
        } catch (error) {
          if (retryable(error, start)) result = { retry: error }
          else return fail('write', error)
        }
        if ('done' in result) return result.done
        if (!retryable(result.retry, start)) return fail('write', result.retry)
        await backoff(attempt)
      }
    },

    async search(vectorQuery: VectorQuery) {
      await ensureReady().catch(() => {})
      if (!pgvector) return undefined
      const values: unknown[] = [
        vectorQuery.collection,
        vectorQuery.group,
        `[${vectorQuery.vector.join(',')}]`,
        vectorQuery.vector.length,
        Date.now(),
      ]
      let where =
        'r.collection = $1 AND r.grp = $2 AND r.embedding IS NOT NULL AND vector_dims(r.embedding) = $4 AND (r.expires_at IS NULL OR r.expires_at > $5)'
      for (const [field, value] of Object.entries(vectorQuery.metadata ?? ({} as JsonObject))) {
        values.push(jsonbString(field), jsonbValue(value))
        where += ` AND r.data->'metadata'->$${values.length - 1} = $${values.length}::jsonb`
      }
      values.push(vectorQuery.topK)
      const rows = await query<Row>(
        'similarity search',
        `SELECT ${COLUMNS}, 1 - (r.embedding <=> $3::vector) AS score FROM ${table} r
         WHERE ${where} ORDER BY r.embedding <=> $3::vector, r.key LIMIT $${values.length}`,
        values,
      )
      return rows.map((row) => ({ record: toRecord(row), score: Number(row.score) }))
    },

    info() {
      return { schema: names.schema, tablePrefix: names.prefix, vector: pgvector ? 'pgvector' : 'js' }
    },

    async close() {
      await ready?.catch(() => {})
      if (options.ownsPool) await pool.end()
    },
  }
}
