/**
 * Clean-up after tests (and benches) that use the shared PostgreSQL and Redis services: each run
 * works under its own table and key prefix, and deletes only what is under it.
 */
import { Redis } from 'ioredis'
import pg from 'pg'

/** Deletes every Redis key under `prefix` (SCAN, never KEYS, so the server is not blocked). */
export async function clearRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      if (keys.length > 0) await redis.del(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    await redis.quit()
  }
}

/** Drops every table of the public schema whose name starts with `prefix`. */
export async function dropPostgresTables(url: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const tables = await client.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE $1`,
      [`${prefix}%`],
    )
    for (const { tablename } of tables.rows) await client.query(`DROP TABLE IF EXISTS "${tablename}" CASCADE`)
  } finally {
    await client.end()
  }
}
