/**
 * The writes of one PostgreSQL commit, inside the caller's transaction: each operation as one
 * statement, except runs of plain inserts (new messages, appended events, a fork's copy), which go
 * as one multi-row INSERT per 1,000 records.
 *
 * @module
 */
import type pg from 'pg'
import { encodeData } from '../record-codec.js'
import type { PutOperation, WriteOperation } from '../store-driver.js'
import { toJsonb } from './postgres-json.js'

/** A failed revision check: which operation, and the revision found (null: no record). */
export class Conflict {
  constructor(
    readonly index: number,
    readonly actualRevision: number | null,
  ) {}
}

function vectorLiteral(vector: readonly number[]): string {
  return `[${vector.join(',')}]`
}

/** What the writer needs: the quoted tables and whether the embedding column exists. */
export interface PostgresWriterOptions {
  table: string
  index: string
  pgvector: () => boolean
}

const BATCH = 1000

/** A put that can join a multi-row insert: insert-only, no envelope to restore, nothing to index. */
function isPlainInsert(operation: WriteOperation): boolean {
  return (
    operation.type === 'put' &&
    (operation.expectedRevision === null || operation.ifAbsent === true) &&
    operation.restore === undefined &&
    operation.indexes === undefined &&
    operation.vector === undefined &&
    operation.collection !== 'embedding'
  )
}

/** Applies a batch of operations on a client inside a transaction; throws `Conflict` on a failed check. */
export function createPostgresWriter(options: PostgresWriterOptions) {
  const { table, index: indexTable } = options

  async function revisionOf(client: pg.PoolClient, collection: string, key: string): Promise<number | null> {
    const { rows } = await client.query<{ revision: string }>(
      `SELECT revision FROM ${table} WHERE collection = $1 AND key = $2`,
      [collection, key],
    )
    return rows[0] === undefined ? null : Number(rows[0].revision)
  }

  async function insertMany(
    client: pg.PoolClient,
    batch: { operation: PutOperation; index: number }[],
    now: number,
    revisions: number[],
  ): Promise<void> {
    const values: unknown[] = []
    const rows = batch.map(({ operation }) => {
      const base = values.length
      values.push(
        operation.collection,
        operation.key,
        operation.group,
        operation.order,
        now,
        operation.expiresAt ?? null,
        toJsonb(encodeData(operation.data, operation.collection, operation.key)),
        operation.parent ?? null,
      )
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, 1, $${base + 5}, $${base + 5}, $${base + 6}, $${base + 7}::jsonb, $${base + 8})`
    })
    const { rows: inserted } = await client.query<{ collection: string; key: string }>(
      `INSERT INTO ${table} (collection, key, grp, ord, revision, created_at, updated_at, expires_at, data, parent)
       VALUES ${rows.join(', ')} ON CONFLICT (collection, key) DO NOTHING RETURNING collection, key`,
      values,
    )
    const written = new Set(inserted.map((row) => `${row.collection.length}:${row.collection}${row.key}`))
    for (const { operation, index } of batch) {
      if (written.has(`${operation.collection.length}:${operation.collection}${operation.key}`)) {
        revisions[index] = 1
      } else if (operation.ifAbsent) {
        revisions[index] = 0
      } else {
        throw new Conflict(index, await revisionOf(client, operation.collection, operation.key))
      }
    }
  }

  async function put(client: pg.PoolClient, operation: PutOperation, index: number, now: number) {
    const text = toJsonb(encodeData(operation.data, operation.collection, operation.key))
    const expiresAt = operation.expiresAt ?? null
    const parent = operation.parent ?? null
    const { collection, key, group, order } = operation
    const pgvector = options.pgvector()
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
    const insertColumns = `collection, key, grp, ord, revision, created_at, updated_at, expires_at, data, parent${embedding?.column ?? ''}`
    let written: { revision: string; ord: number } | undefined
    if (operation.restore !== undefined) {
      const { revision, createdAt, updatedAt } = operation.restore
      const { rows } = await client.query<{ revision: string; ord: number }>(
        `INSERT INTO ${table} (${insertColumns})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10${pgvector ? ', $11::vector' : ''})
         ON CONFLICT (collection, key) DO UPDATE SET grp = EXCLUDED.grp, ord = EXCLUDED.ord, revision = EXCLUDED.revision,
           created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at,
           data = EXCLUDED.data, parent = EXCLUDED.parent${embedding?.set ?? ''}
         RETURNING revision, ord`,
        [collection, key, group, order, revision, createdAt, updatedAt, expiresAt, text, parent, ...vector],
      )
      written = rows[0]
    } else if (typeof operation.expectedRevision === 'number') {
      const { rows } = await client.query<{ revision: string; ord: number }>(
        // with keepPosition, grp and ord stay (their index entries do not move); $3 and $4 are then
        // unused, so they are typed in the WHERE clause
        `UPDATE ${table} SET ${operation.keepPosition ? '' : 'grp = $3, ord = $4, '}revision = revision + 1, updated_at = $5,
           expires_at = $6, data = $7::jsonb, parent = $9${pgvector ? ', embedding = $10::vector' : ''}
         WHERE collection = $1 AND key = $2 AND revision = $8${operation.keepPosition ? ' AND $3::text IS NOT NULL AND $4::float8 IS NOT NULL' : ''}
         RETURNING revision, ord`,
        [collection, key, group, order, now, expiresAt, text, operation.expectedRevision, parent, ...vector],
      )
      written = rows[0]
      if (written === undefined) throw new Conflict(index, await revisionOf(client, collection, key))
    } else {
      const onConflict =
        operation.expectedRevision === null || operation.ifAbsent
          ? 'DO NOTHING'
          : `DO UPDATE SET ${operation.keepPosition ? '' : 'grp = EXCLUDED.grp, ord = EXCLUDED.ord, '}revision = t.revision + 1, updated_at = EXCLUDED.updated_at,
             expires_at = EXCLUDED.expires_at, data = EXCLUDED.data, parent = EXCLUDED.parent${embedding?.set ?? ''}`
      const { rows } = await client.query<{ revision: string; ord: number }>(
        `INSERT INTO ${table} AS t (${insertColumns})
         VALUES ($1, $2, $3, $4, 1, $5, $5, $6, $7::jsonb, $8${pgvector ? ', $9::vector' : ''})
         ON CONFLICT (collection, key) ${onConflict} RETURNING revision, ord`,
        [collection, key, group, order, now, expiresAt, text, parent, ...vector],
      )
      written = rows[0]
      if (written === undefined) {
        if (operation.ifAbsent) return 0
        throw new Conflict(index, await revisionOf(client, collection, key))
      }
    }
    if (written !== undefined && operation.indexes !== undefined) {
      // entries not wanted any more (or at another order) go, the missing ones come; one statement
      await client.query(
        `WITH gone AS (
           DELETE FROM ${indexTable} WHERE collection = $1 AND key = $2
           AND NOT (ord = $3 AND index_value = ANY($4::text[]))
         )
         INSERT INTO ${indexTable} (collection, index_value, ord, key)
         SELECT $1, value, $3, $2 FROM unnest($4::text[]) AS value ON CONFLICT DO NOTHING`,
        [collection, key, written.ord, operation.indexes],
      )
    }
    return Number(written?.revision ?? 0)
  }

  return async function apply(
    client: pg.PoolClient,
    operations: readonly WriteOperation[],
    now: number,
  ): Promise<number[]> {
    const revisions: number[] = new Array(operations.length).fill(0)
    let batch: { operation: PutOperation; index: number }[] = []
    let keys = new Set<string>()
    const flush = async () => {
      if (batch.length > 0) await insertMany(client, batch, now, revisions)
      batch = []
      keys = new Set()
    }
    for (const [index, operation] of operations.entries()) {
      if (operation.type === 'put' && isPlainInsert(operation)) {
        const id = `${operation.collection.length}:${operation.collection}${operation.key}`
        // the same key twice in one INSERT would hide the second: it starts a new statement
        if (keys.has(id) || batch.length >= BATCH) await flush()
        batch.push({ operation, index })
        keys.add(id)
        continue
      }
      await flush()
      switch (operation.type) {
        case 'put':
          revisions[index] = await put(client, operation, index, now)
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
            await client.query(
              `WITH gone AS (DELETE FROM ${indexTable} WHERE collection = $1 AND key = $2)
               DELETE FROM ${table} WHERE collection = $1 AND key = $2`,
              [operation.collection, operation.key],
            )
          }
          break
        }
        case 'deleteGroup':
          await client.query(
            `WITH gone AS (
               DELETE FROM ${indexTable} WHERE collection = $1
               AND key IN (SELECT key FROM ${table} WHERE collection = $1 AND grp = $2)
             )
             DELETE FROM ${table} WHERE collection = $1 AND grp = $2`,
            [operation.collection, operation.group],
          )
          break
        default: {
          const never: never = operation
          throw new Error(`unknown operation ${JSON.stringify(never)}`)
        }
      }
    }
    await flush()
    return revisions
  }
}
