/**
 * Storage on Redis (ioredis): hashes and sorted sets, atomic Lua scripts for every write batch.
 * Install the optional peer: `npm install ioredis`.
 *
 * @example
 * import { createRedisStorage } from 'agentloop/redis'
 * const storage = createRedisStorage({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
 *
 * @module
 */
export { createRedisStorage, type RedisStorageOptions } from './create-redis-storage.js'
