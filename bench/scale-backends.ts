/**
 * The backends the scale benchmarks run on, each in its own file, schema or key prefix (removed
 * afterwards). PostgreSQL and Redis are used when reachable (DATABASE_URL / REDIS_URL).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Storage } from 'agentloop'
import { createPostgresStorage } from 'agentloop/postgres'
import { createRedisStorage } from 'agentloop/redis'
import { createSqliteStorage } from 'agentloop/sqlite'
import pg from 'pg'
import { Redis } from 'ioredis'

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A backend the benchmark opens, and how to remove what it wrote. */
export interface BenchBackend {
  name: string
  open: () => Storage
  cleanUp: () => Promise<void>
}

const directory = mkdtempSync(join(tmpdir(), 'agentloop-bench-scale-'))
process.on('exit', () => rmSync(directory, { recursive: true, force: true }))
let count = 0

export function sqliteBackend(synchronous: 'FULL' | 'NORMAL', groupCommit = true): BenchBackend {
  const path = join(directory, `scale-${++count}.db`)
  return {
    name: `SQLite ${synchronous}${groupCommit ? '' : ' (no group commit)'}`,
    open: () => createSqliteStorage({ path, synchronous, groupCommit }),
    cleanUp: async () => rmSync(path, { force: true }),
  }
}

export function postgresBackend(): BenchBackend {
  const schema = `bench_scale_${process.pid}_${++count}`
  return {
    name: 'PostgreSQL',
    open: () => createPostgresStorage({ connectionString: DATABASE_URL, schema, maxConnections: 10 }),
    cleanUp: async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    },
  }
}

export function redisBackend(): BenchBackend {
  const prefix = `agentloop-bench-scale:${process.pid}:${++count}:`
  return {
    name: 'Redis',
    open: () => createRedisStorage({ url: REDIS_URL, prefix }),
    cleanUp: async () => {
      const redis = new Redis(REDIS_URL)
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000)
        if (keys.length > 0) await redis.unlink(...keys)
        cursor = next
      } while (cursor !== '0')
      await redis.quit()
    },
  }
}

/** Whether a backend answers at all (PostgreSQL or Redis may be absent). */
export async function reachable(backend: BenchBackend): Promise<string | undefined> {
  const storage = backend.open()
  try {
    await storage.runs.get('probe')
    return undefined
  } catch (error) {
    return (error as Error).message
  } finally {
    await storage.close()
  }
}

/** The median of some timings. */
export function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right)
  return sorted[Math.floor(sorted.length / 2)] as number
}
