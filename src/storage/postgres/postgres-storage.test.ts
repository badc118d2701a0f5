import { createPostgresStorage } from 'agentloop/postgres'
import { storageDriverOf } from 'agentloop/storage'
import { storageConformance } from 'agentloop/testing'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, serviceSkipReason } from '../../../test/support/services.js'
import { loadStorageFixtures } from '../../../test/support/storage-fixtures.js'

const skip = await serviceSkipReason('PostgreSQL')
// one schema per test file run, one table prefix per test: parallel files and runs never collide
const schema = `agentloop_test_${process.pid}_${Date.now().toString(36)}`
let count = 0
const create = (options: { vector?: 'auto' | 'js' } = {}) =>
  createPostgresStorage({
    connectionString: DATABASE_URL,
    schema,
    tablePrefix: `t${++count}_`,
    maxConnections: 4,
    ...options,
  })

afterAll(async () => {
  if (skip !== undefined) return
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
})

await storageConformance({
  name: 'postgres',
  create: () => create(),
  fixtures: loadStorageFixtures(),
  ...(skip === undefined ? {} : { skip }),
})

async function hasPgvector(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  const { rowCount } = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`)
  await client.end()
  return (rowCount ?? 0) > 0
}

// Where pgvector is installed the suite above used it; the fallback (cosine in JS) must pass too.
const pgvector = skip === undefined && (await hasPgvector())
await storageConformance({
  name: 'postgres (vector: js)',
  create: () => create({ vector: 'js' }),
  ...(skip !== undefined
    ? { skip }
    : pgvector
      ? {}
      : { skip: 'pgvector is not installed, so the suite above already ran the JS cosine fallback' }),
})

describe.skipIf(skip !== undefined)('createPostgresStorage', () => {
  it('applies migrations once, records them, and reports which similarity search it uses', async () => {
    const prefix = `t${++count}_`
    const first = createPostgresStorage({ connectionString: DATABASE_URL, schema, tablePrefix: prefix })
    const second = createPostgresStorage({ connectionString: DATABASE_URL, schema, tablePrefix: prefix })
    // two processes opening a fresh database at once: the advisory lock serialises the migrations
    await Promise.all([
      first.memory.get({ scope: 'global', key: 'k' }),
      second.memory.get({ scope: 'global', key: 'k' }),
    ])
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    const { rows } = await client.query(`SELECT version, name FROM "${schema}"."${prefix}migrations"`)
    const extension = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`)
    await client.end()
    expect(rows).toEqual([
      { version: 1, name: 'records' },
      { version: 2, name: 'indexes and parents' },
      { version: 3, name: 'order index without run logs and messages' },
    ])
    const info = storageDriverOf(first)?.info?.()
    expect(info?.vector).toBe((extension.rowCount ?? 0) > 0 ? 'pgvector' : 'js')
    await Promise.all([first.close(), second.close()])
  })

  it('reads a record inserted with raw SQL through the repositories (format version 1)', async () => {
    const prefix = `t${++count}_`
    const storage = createPostgresStorage({ connectionString: DATABASE_URL, schema, tablePrefix: prefix })
    await storage.runs.get('warm-up')
    const [fixture] = loadStorageFixtures().filter((item) => item.name === 'v1/sessions')
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    for (const record of fixture?.records ?? []) {
      await client.query(
        `INSERT INTO "${schema}"."${prefix}records" (collection, key, grp, ord, revision, created_at, updated_at, expires_at, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
        [
          record.collection,
          record.key,
          record.group,
          record.order,
          record.revision,
          record.createdAt,
          record.updatedAt,
          record.expiresAt,
          JSON.stringify(record.data),
        ],
      )
    }
    await client.end()
    expect(await storage.sessions.messages('session-v1')).toEqual(fixture?.reads[1]?.expect)
    await storage.close()
  })

  it('reports an unreachable server as a StorageError on first use, without the password', async () => {
    const storage = createPostgresStorage({ connectionString: 'postgres://user:s3cret@127.0.0.1:1/none' })
    const error = await storage.runs.get('r').catch((caught: unknown) => caught)
    expect((error as Error).name).toBe('StorageError')
    expect((error as Error).message).not.toContain('s3cret')
    expect((error as Error).message).toMatch(
      /127\.0\.0\.1:1.*is the server running\? Check the host and port of connectionString/,
    )
    await storage.close()
  })

  it('writes many records in one statement: a fork of 300 messages costs a handful of queries', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 })
    const storage = createPostgresStorage({ pool, schema, tablePrefix: `t${++count}_` })
    const messages = Array.from({ length: 300 }, (_, index) => ({
      role: 'user' as const,
      content: `m${index}`,
    }))
    await storage.sessions.create({ sessionId: 's', messages })
    let queries = 0
    const connect = pool.connect.bind(pool)
    // (pool.query checks clients out with a callback: those pass through uncounted, they are reads)
    pool.connect = ((callback?: Parameters<typeof connect>[0]) => {
      if (callback !== undefined) return connect(callback)
      return counted()
    }) as typeof pool.connect
    const counted = async () => {
      const client = await connect()
      const query = client.query.bind(client)
      client.query = ((...args: Parameters<typeof query>) => {
        queries++
        return query(...args)
      }) as typeof query
      return client
    }
    const fork = await storage.sessions.fork('s', { newSessionId: 'f' })
    expect(queries).toBeLessThanOrEqual(6)
    expect((await storage.sessions.messages(fork.sessionId)).length).toBe(300)
    await storage.close()
    await pool.end()
  })

  it('leaves a pool it was given open', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 })
    const storage = createPostgresStorage({ pool, schema, tablePrefix: `t${++count}_` })
    await storage.memory.set({ scope: 'global', key: 'k', value: 1 })
    await storage.close()
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await pool.end()
  })

  it('rejects bad options with a ConfigError naming the option', () => {
    expect(() => createPostgresStorage({})).toThrow(/connectionString/)
    // the shape of the URL is checked before connecting; a password never appears
    expect(() => createPostgresStorage({ connectionString: 'user:s3cret@localhost:5432/app' })).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        message: expect.not.stringContaining('s3cret'),
      }),
    )
    expect(() => createPostgresStorage({ connectionString: 'mysql://user:s3cret@db:3306/app' })).toThrow(
      /connectionString has the scheme "mysql:", not postgres: or postgresql:\. Give it as postgres:\/\//,
    )
    expect(() => createPostgresStorage({ connectionString: DATABASE_URL, schema: 'a"b' })).toThrow(/schema/)
    expect(() => createPostgresStorage({ connectionString: DATABASE_URL, tablePrefix: '1x' })).toThrow(
      /tablePrefix/,
    )
  })
})
