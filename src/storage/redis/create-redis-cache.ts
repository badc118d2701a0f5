import type { Cluster, Redis } from 'ioredis'
import { type Cache, type CacheOptions, createCache } from '../../cache/cache.js'
import { ConfigError } from '../../errors/errors.js'
import { createRedisClient, type RedisConnectionOptions } from './redis-connection.js'

/** Options of {@link createRedisCache}. */
export interface RedisCacheOptions extends CacheOptions, Partial<RedisConnectionOptions> {
  /** Use this ioredis client (or cluster) instead of opening one; it is then not closed by `close()`. */
  redis?: Redis | Cluster
  /** Prefix of every key (default `agentloop:cache:`). */
  prefix?: string
}

/**
 * A cache on Redis, shared by every process that uses the same server and prefix: one string key
 * per entry with a Redis expiry (`SET ... PX`). Works on standalone, Sentinel and Cluster
 * deployments (`mode`), since every command touches one key.
 */
export function createRedisCache(options: RedisCacheOptions): Cache {
  if (options?.redis === undefined && (typeof options?.url !== 'string' || options.url === '')) {
    throw new ConfigError({
      message:
        "createRedisCache: give url (e.g. 'redis://127.0.0.1:6379', often process.env.REDIS_URL) or an ioredis client as redis.",
    })
  }
  const prefix = options.prefix ?? 'agentloop:cache:'
  const redis =
    options.redis ??
    createRedisClient({
      url: options.url as string,
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      ...(options.sentinelMasterName === undefined ? {} : { sentinelMasterName: options.sentinelMasterName }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.redisOptions === undefined ? {} : { redisOptions: options.redisOptions }),
    })
  const ownsClient = options.redis === undefined
  return createCache(
    {
      name: 'redis',
      async get(key) {
        return (await redis.get(prefix + key)) ?? undefined
      },
      async set(key, text, ttlMs) {
        await redis.set(prefix + key, text, 'PX', ttlMs)
      },
      async delete(key) {
        return (await redis.del(prefix + key)) > 0
      },
      async close() {
        if (ownsClient) await redis.quit().catch(() => redis.disconnect())
      },
    },
    options,
  )
}
