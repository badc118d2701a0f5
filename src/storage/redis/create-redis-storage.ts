import type { Redis } from 'ioredis'
import { ConfigError } from '../../errors/errors.js'
import { createStorage } from '../create-storage.js'
import type { Storage } from '../storage.js'
import { createRedisClient, type RedisMode } from './redis-connection.js'
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
  /**
   * `standalone` (default) or `sentinel` (then `url` lists the sentinels and `sentinelMasterName`
   * names the primary). `cluster` is refused: every write batch is one Lua script over many keys.
   */
  mode?: RedisMode
  /** The primary's name the sentinels know (`mymaster`), for `mode: 'sentinel'`. */
  sentinelMasterName?: string
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
  // sentinel urls list several hosts, which URL cannot parse: createRedisClient checks those
  if (options.redis === undefined && (options.mode ?? 'standalone') === 'standalone')
    checkUrl(options.url as string)
  const prefix = options.prefix ?? 'agentloop:'
  if (typeof prefix !== 'string' || /[\s{}]/.test(prefix)) {
    throw new ConfigError({
      message: `createRedisStorage: prefix must be a string without spaces or braces; got ${JSON.stringify(options.prefix)}.`,
    })
  }
  if (options.mode === 'cluster') {
    throw new ConfigError({
      message:
        "createRedisStorage: mode 'cluster' is not supported: each write batch is one atomic Lua script over keys a cluster would spread across nodes. Use a standalone Redis or a primary behind Sentinel (the cache, createRedisCache, works on a cluster).",
    })
  }
  // connection errors are reported by the calls that fail (createRedisClient keeps them from crashing the process)
  const redis =
    options.redis ??
    (createRedisClient({
      url: options.url as string,
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      ...(options.sentinelMasterName === undefined ? {} : { sentinelMasterName: options.sentinelMasterName }),
    }) as Redis)
  return createStorage(
    createRedisDriver({
      redis,
      prefix,
      ownsClient: options.redis === undefined,
      server: redisServerOf(options.redis === undefined ? options.url : undefined),
    }),
  )
}
