import {
  createRedisCache,
  createRedisClient,
  createRedisStorage,
  redisConnectionFromEnv,
} from 'agentloop/redis'
import { Cluster, Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { REDIS_URL, serviceSkipReason } from '../../../test/support/services.js'

const skip = await serviceSkipReason('Redis')
// one key prefix per test file run and per test: parallel files and runs never collide
const base = `agentloop-cache-test:${process.pid}:${Date.now().toString(36)}:`
let count = 0
const nextPrefix = () => `${base}${++count}:`

afterAll(async () => {
  if (skip !== undefined) return
  const redis = new Redis(REDIS_URL)
  const keys = await redis.keys(`${base}*`)
  if (keys.length > 0) await redis.del(...keys)
  await redis.quit()
})

describe.skipIf(skip !== undefined)('createRedisCache (standalone Redis)', () => {
  it('shares entries between processes through Redis, with a Redis expiry per kind', async () => {
    const prefix = nextPrefix()
    const writer = createRedisCache({ url: REDIS_URL, prefix, ttlSeconds: { embeddings: 0.2 } })
    const reader = createRedisCache({ url: REDIS_URL, prefix })
    await writer.set({ kind: 'embeddings', key: 'k', value: [0.5, 0.25] })
    await writer.set({ kind: 'credentials', key: 'openai', value: 'sk-cached' })
    expect(await reader.get('embeddings', 'k')).toEqual([0.5, 0.25])
    const raw = new Redis(REDIS_URL)
    const [credentialsKey] = await raw.keys(`${prefix}*credentials*`)
    // the seed's default: credentials are kept a day
    expect(await raw.pttl(credentialsKey as string)).toBeGreaterThan(86_390_000)
    await raw.quit()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await reader.get('embeddings', 'k')).toBeUndefined()
    expect(await reader.delete('credentials', 'openai')).toBe(true)
    expect(await reader.get('credentials', 'openai')).toBeUndefined()
    expect(reader.stats()).toMatchObject({ hits: 1, misses: 2 })
    await Promise.all([writer.close(), reader.close()])
  })
})

describe('Redis topologies (REDIS_MODE)', () => {
  it.skipIf(skip !== undefined)('standalone: connects to the URL as given', async () => {
    const client = createRedisClient({ url: REDIS_URL, mode: 'standalone' })
    expect(client).toBeInstanceOf(Redis)
    expect(await client.ping()).toBe('PONG')
    await client.quit()
  })

  // No Sentinel or Cluster runs here: these check what reaches ioredis, without connecting.
  it('sentinel: passes the sentinels, the primary name and the credentials to ioredis', () => {
    const client = createRedisClient({
      url: 'redis://:s3cret@sentinel1:26379,sentinel2,sentinel3:26380/2',
      mode: 'sentinel',
      sentinelMasterName: 'mymaster',
      redisOptions: { lazyConnect: true },
    }) as Redis
    expect(client).toBeInstanceOf(Redis)
    expect(client.options).toMatchObject({
      sentinels: [
        { host: 'sentinel1', port: 26379 },
        { host: 'sentinel2', port: 26379 },
        { host: 'sentinel3', port: 26380 },
      ],
      name: 'mymaster',
      password: 's3cret',
      sentinelPassword: 's3cret',
      db: 2,
    })
    client.disconnect()
    expect(() => createRedisClient({ url: 'redis://s1:26379', mode: 'sentinel' })).toThrow(
      /sentinelMasterName/,
    )
  })

  it('cluster: passes the startup nodes and node options to an ioredis Cluster', () => {
    const client = createRedisClient({
      url: 'rediss://node1:7000,node2:7001',
      mode: 'cluster',
      redisOptions: { password: 'p' },
    }) as Cluster
    expect(client).toBeInstanceOf(Cluster)
    // startupNodes is private in the type declarations, so read it as plain data
    expect((client as unknown as { startupNodes: unknown }).startupNodes).toEqual([
      { host: 'node1', port: 7000 },
      { host: 'node2', port: 7001 },
    ])
    expect(client.options.redisOptions).toMatchObject({ password: 'p', tls: {} })
    client.disconnect()
  })

  it('reads the seed variables REDIS_URL, REDIS_MODE, REDIS_SENTINEL_MASTER and REDIS_SSL', () => {
    expect(
      redisConnectionFromEnv({
        REDIS_URL: 'redis://s1:26379,s2:26379',
        REDIS_MODE: 'sentinel',
        REDIS_SENTINEL_MASTER: 'mymaster',
        REDIS_SSL: 'true',
      }),
    ).toEqual({
      url: 'redis://s1:26379,s2:26379',
      mode: 'sentinel',
      sentinelMasterName: 'mymaster',
      tls: true,
    })
    expect(redisConnectionFromEnv({})).toEqual({ url: 'redis://127.0.0.1:6379', mode: 'standalone' })
    expect(() => createRedisClient({ url: 'redis://x', mode: 'ring' as never })).toThrow(
      /'standalone', 'sentinel' or 'cluster'/,
    )
    expect(() => createRedisClient({ url: 'http://x', mode: 'cluster' })).toThrow(/is not redis:\/\//)
  })

  it('refuses a cluster for the storage (multi-key scripts) with a clear error', () => {
    expect(() => createRedisStorage({ url: 'redis://n1:7000,n2:7001', mode: 'cluster' })).toThrow(
      /mode 'cluster' is not supported.*Sentinel/,
    )
  })
})
