import type pg from 'pg'
import type { JsonObject } from '../../util/json.js'
import { encodeData, parseData } from '../record-codec.js'
import { StorageError } from '../storage-errors.js'
import type {
  CommitResult,
  ListOptions,
  PutOperation,
  StoreDriver,
  StoredRecord,
  VectorQuery,
  WriteOperation,
} from '../store-driver.js'
import { enablePgvector, migratePostgres, type PostgresNames } from './postgres-schema.js'

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

class Conflict {
  constructor(
    readonly index: number,
    readonly actualRevision: number | null,
  ) {}
}

const COLUMNS = 'collection, key, grp, ord, revision, created_at, updated_at, expires_at, data::text AS data'

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
    data: parseData(row.data, row.collection, row.key),
  }
}

function vectorLiteral(vector: readonly number[]): string {
  return `[${vector.join(',')}]`
}

/** What the driver needs: a pool, the table names, whether to use pgvector, and who closes the pool. */
export interface PostgresDriverOptions {
  pool: pg.Pool
  names: PostgresNames
  vector: 'auto' | 'js'
  ownsPool: boolean
}

/** The PostgreSQL store: one table of records, every commit one transaction with row-level revision checks. */
export function createPostgresDriver(options: PostgresDriverOptions): StoreDriver {
  const { pool, names } = options
  const table = names.records
  let pgvector = false
  const ready = (async () => {
    const client = await pool.connect()
    try {
      await migratePostgres(client, names)
      if (options.vector === 'auto') pgvector = await enablePgvector(client, names)
    } finally {
      client.release()
    }
  })()
  ready.catch(() => {}) // reported by the first call that awaits it

  const fail = (what: string, error: unknown): never => {
    if (error instanceof StorageError) throw error
    throw new StorageError({
      message: `PostgreSQL ${what} failed: ${(error as Error)?.message ?? String(error)}`,
      cause: error,
    })
  }

  async function query<T extends pg.QueryResultRow>(
    what: string,
    sql: string,
    values: unknown[],
  ): Promise<T[]> {
    try {
      await ready
      return (await pool.query<T>(sql, values)).rows
    } catch (error) {
      return fail(what, error)
    }
  }

  async function put(
    client: pg.PoolClient,
    operation: PutOperation,
    index: number,
    now: number,
  ): Promise<number> {
    const text = encodeData(operation.data, operation.collection, operation.key)
    const expiresAt = operation.expiresAt ?? null
    const { collection, key, group, order } = operation
    // the embedding column exists only with pgvector
    // embeddings restored or written without `vector` are indexed from their data
    const indexed =
      operation.vector ??
      (collection === 'embedding' && Array.isArray(operation.data.vector)
        ? (operation.data.vector as number[])
        : undefined)
    const vector = pgvector ? [indexed === undefined ? null : vectorLiteral(indexed)] : []
    const embedding = pgvector
      ? { column: ', embedding', set: ', embedding = EXCLUDED.embedding' }
      : undefined
    const insertColumns = `collection, key, grp, ord, revision, created_at, updated_at, expires_at, data${embedding?.column ?? ''}`
    if (operation.restore !== undefined) {
      const { revision, createdAt, updatedAt } = operation.restore
      await client.query(
        `INSERT INTO ${table} (${insertColumns})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb${pgvector ? ', $10::vector' : ''})
         ON CONFLICT (collection, key) DO UPDATE SET grp = EXCLUDED.grp, ord = EXCLUDED.ord, revision = EXCLUDED.revision,
           created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at,
           data = EXCLUDED.data${embedding?.set ?? ''}`,
        [collection, key, group, order, revision, createdAt, updatedAt, expiresAt, text, ...vector],
      )
      return revision
    }
    if (typeof operation.expectedRevision === 'number') {
      const { rows } = await client.query<{ revision: string }>(
        // with keepPosition, grp and ord stay (their index entries do not move); $3 and $4 are then unused,
        // so they are typed in the WHERE clause
        `UPDATE ${table} SET ${operation.keepPosition ? '' : 'grp = $3, ord = $4, '}revision = revision + 1, updated_at = $5,
           expires_at = $6, data = $7::jsonb
           ${pgvector ? ', embedding = $9::vector' : ''}
         WHERE collection = $1 AND key = $2 AND revision = $8${operation.keepPosition ? ' AND $3::text IS NOT NULL AND $4::float8 IS NOT NULL' : ''}
         RETURNING revision`,
        [collection, key, group, order, now, expiresAt, text, operation.expectedRevision, ...vector],
      )
      if (rows[0] !== undefined) return Number(rows[0].revision)
      throw new Conflict(index, await revisionOf(client, collection, key))
    }
    const onConflict =
      operation.expectedRevision === null || operation.ifAbsent
        ? 'DO NOTHING'
        : `DO UPDATE SET ${operation.keepPosition ? '' : 'grp = EXCLUDED.grp, ord = EXCLUDED.ord, '}revision = t.revision + 1, updated_at = EXCLUDED.updated_at,
             expires_at = EXCLUDED.expires_at, data = EXCLUDED.data${embedding?.set ?? ''}`
    const { rows } = await client.query<{ revision: string }>(
      `INSERT INTO ${table} AS t (${insertColumns})
       VALUES ($1, $2, $3, $4, 1, $5, $5, $6, $7::jsonb${pgvector ? ', $8::vector' : ''})
       ON CONFLICT (collection, key) ${onConflict} RETURNING revision`,
      [collection, key, group, order, now, expiresAt, text, ...vector],
    )
    if (rows[0] !== undefined) return Number(rows[0].revision)
    if (operation.ifAbsent) return 0
    throw new Conflict(index, await revisionOf(client, collection, key))
  }

  async function revisionOf(client: pg.PoolClient, collection: string, key: string): Promise<number | null> {
    const { rows } = await client.query<{ revision: string }>(
      `SELECT revision FROM ${table} WHERE collection = $1 AND key = $2`,
      [collection, key],
    )
    return rows[0] === undefined ? null : Number(rows[0].revision)
  }

  async function apply(
    client: pg.PoolClient,
    operations: readonly WriteOperation[],
    now: number,
  ): Promise<number[]> {
    const revisions: number[] = []
    for (const [index, operation] of operations.entries()) {
      switch (operation.type) {
        case 'put':
          revisions.push(await put(client, operation, index, now))
          break
        case 'delete':
        case 'check': {
          if (operation.expectedRevision !== undefined) {
            const { rows } = await client.query<{ revision: string }>(
              `SELECT revision FROM ${table} WHERE collection = $1 AND key = $2 FOR UPDATE`,
              [operation.collection, operation.key],
            )
            const actual = rows[0] === undefined ? null : Number(rows[0].revision)
            if (actual !== operation.expectedRevision) throw new Conflict(index, actual)
          }
          if (operation.type === 'delete') {
            await client.query(`DELETE FROM ${table} WHERE collection = $1 AND key = $2`, [
              operation.collection,
              operation.key,
            ])
          }
          revisions.push(0)
          break
        }
        case 'deleteGroup':
          await client.query(`DELETE FROM ${table} WHERE collection = $1 AND grp = $2`, [
            operation.collection,
            operation.group,
          ])
          revisions.push(0)
          break
        default: {
          const never: never = operation
          throw new Error(`unknown operation ${JSON.stringify(never)}`)
        }
      }
    }
    return revisions
  }

  return {
    name: 'postgres',

    async get(collection, key) {
      const rows = await query<Row>(
        'read',
        `SELECT ${COLUMNS} FROM ${table} WHERE collection = $1 AND key = $2 AND (expires_at IS NULL OR expires_at > $3)`,
        [collection, key, Date.now()],
      )
      return rows[0] === undefined ? null : toRecord(rows[0])
    },

    async list(collection, listOptions: ListOptions = {}) {
      const values: unknown[] = [collection, Date.now()]
      let where = 'collection = $1 AND (expires_at IS NULL OR expires_at > $2)'
      if (listOptions.group !== undefined) {
        values.push(listOptions.group)
        where += ` AND grp = $${values.length}`
      }
      if (listOptions.afterOrder !== undefined) {
        values.push(listOptions.afterOrder)
        where += ` AND ord > $${values.length}`
      }
      const direction = listOptions.descending ? 'DESC' : 'ASC'
      let sql = `SELECT ${COLUMNS} FROM ${table} WHERE ${where} ORDER BY ord ${direction}, key ${direction}`
      if (listOptions.limit !== undefined) {
        values.push(listOptions.limit)
        sql += ` LIMIT $${values.length}`
      }
      return (await query<Row>('read', sql, values)).map(toRecord)
    },

    async commit(operations, now): Promise<CommitResult> {
      let client: pg.PoolClient
      try {
        await ready
        client = await pool.connect()
      } catch (error) {
        return fail('connection', error)
      }
      try {
        await client.query('BEGIN')
        const revisions = await apply(client, operations, now)
        await client.query('COMMIT')
        return { ok: true, revisions }
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        if (error instanceof Conflict)
          return { ok: false, index: error.index, actualRevision: error.actualRevision }
        return fail('write', error)
      } finally {
        client.release()
      }
    },

    async search(vectorQuery: VectorQuery) {
      await ready.catch(() => {})
      if (!pgvector) return undefined
      const values: unknown[] = [
        vectorQuery.collection,
        vectorQuery.group,
        vectorLiteral(vectorQuery.vector),
        vectorQuery.vector.length,
        Date.now(),
      ]
      let where =
        'collection = $1 AND grp = $2 AND embedding IS NOT NULL AND vector_dims(embedding) = $4 AND (expires_at IS NULL OR expires_at > $5)'
      for (const [field, value] of Object.entries(vectorQuery.metadata ?? ({} as JsonObject))) {
        values.push(field, JSON.stringify(value))
        where += ` AND data->'metadata'->$${values.length - 1} = $${values.length}::jsonb`
      }
      values.push(vectorQuery.topK)
      const rows = await query<Row>(
        'similarity search',
        `SELECT ${COLUMNS}, 1 - (embedding <=> $3::vector) AS score FROM ${table}
         WHERE ${where} ORDER BY embedding <=> $3::vector, key LIMIT $${values.length}`,
        values,
      )
      return rows.map((row) => ({ record: toRecord(row), score: Number(row.score) }))
    },

    info() {
      return { schema: names.schema, tablePrefix: names.prefix, vector: pgvector ? 'pgvector' : 'js' }
    },

    async close() {
      await ready.catch(() => {})
      if (options.ownsPool) await pool.end()
    },
  }
}
