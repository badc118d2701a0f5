/**
 * Storage on Redis (ioredis): hashes and sorted sets, atomic Lua scripts for every write batch;
 * a shared cache (`createRedisCache`); standalone, Sentinel or Cluster connections from one
 * configuration (`createRedisClient`, `redisConnectionFromEnv`); the run queue on BullMQ
 * (`createBullMqQueue`, optional peer `bullmq`) and the event bus on Redis pub/sub
 * (`createRedisEventBus`) that spread runs over workers. Install the optional peer:
 * `npm install ioredis` (and `bullmq` for the queue).
 *
 * @example
 * import { createRedisStorage } from 'agentloop/redis'
 * const storage = createRedisStorage({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
 *
 * @module
 */

export { createRedisCache, type RedisCacheOptions } from './create-redis-cache.js'
export { createRedisStorage, type RedisStorageOptions } from './create-redis-storage.js'
export {
  createRedisClient,
  parseRedisUrl,
  type RedisConnectionOptions,
  type RedisMode,
  redisConnectionFromEnv,
} from './redis-connection.js'
export { type BullMqQueueOptions, createBullMqQueue } from '../../queue/bullmq-queue.js'
export { createRedisEventBus, type RedisEventBusOptions } from '../../queue/redis-event-bus.js'
