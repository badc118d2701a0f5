import { Redis } from 'ioredis'
import { ConfigError } from '../../errors/errors.js'
import { createStorage } from '../create-storage.js'
import type { Storage } from '../storage.js'
import { createRedisDriver } from './redis-driver.js'
import { redisServerOf } from './redis-errors.js'

/** Options of {@link createRedisStorage}. */
export interface RedisStorageOptions {
  /** `redis://[:password@]host:6379[/db]` (or `rediss://` for TLS). Required unless `redis` is given. */
  url?: string
  /** Use this ioredis client instead of opening one (it is then not closed by `storage.close()`). */
  redis?: Redis
  /** Prefix of every key (default `agentloop:`), to share a Redis database. */
  prefix?: string
}

/** Checks the shape of a Redis URL before connecting (its password never in the message). */
function checkUrl(url: string): void {
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  const problem =
    parsed === undefined
      ? 'is not a URL (not shown: it may hold a password)'
      : parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:'
        ? `has the scheme ${JSON.stringify(parsed.protocol)}, not redis: or rediss:`
        : undefined
  if (problem !== undefined) {
    throw new ConfigError({
      message: `createRedisStorage: url ${problem}. Give it as redis://[:password@]host:6379[/db] (rediss:// for TLS), often process.env.REDIS_URL.`,
    })
  }
}

/**
 * A `Storage` on Redis with ioredis: records in hashes, ordered indexes in sorted sets, every write
 * batch one Lua script (atomic). Needs a standalone Redis or a primary behind Sentinel (not Redis
 * Cluster). How durable it is depends on the server's persistence (`appendonly yes`,
 * `appendfsync`): see docs/storage.md.
 */
export function createRedisStorage(options: RedisStorageOptions): Storage {
  if (options?.redis === undefined && (typeof options?.url !== 'string' || options.url === '')) {
    throw new ConfigError({
      message:
        "createRedisStorage: give url (e.g. 'redis://127.0.0.1:6379', often process.env.REDIS_URL) or an ioredis client as redis.",
    })
  }
  if (options.redis === undefined) checkUrl(options.url as string)
  const prefix = options.prefix ?? 'agentloop:'
  if (typeof prefix !== 'string' || /[\s{}]/.test(prefix)) {
    throw new ConfigError({
      message: `createRedisStorage: prefix must be a string without spaces or braces; got ${JSON.stringify(options.prefix)}.`,
    })
  }
  const redis = options.redis ?? new Redis(options.url as string, { maxRetriesPerRequest: 3 })
  // connection errors are reported by the calls that fail; keep them from crashing the process
  if (options.redis === undefined) redis.on('error', () => {})
  return createStorage(
    createRedisDriver({
      redis,
      prefix,
      ownsClient: options.redis === undefined,
      server: redisServerOf(options.redis === undefined ? options.url : undefined),
    }),
  )
}
