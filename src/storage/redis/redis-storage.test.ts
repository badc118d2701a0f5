import { createRedisStorage } from 'agentloop/redis'
import { storageConformance } from 'agentloop/testing'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { REDIS_URL, serviceSkipReason } from '../../../test/support/services.js'
import { loadStorageFixtures } from '../../../test/support/storage-fixtures.js'
import { clearRedisPrefix } from '../../../test/support/backend-cleanup.js'

const skip = await serviceSkipReason('Redis')
// one key prefix per test file run and per test: parallel files and runs never collide
const base = `agentloop-test:${process.pid}:${Date.now().toString(36)}:`
let count = 0
const nextPrefix = () => `${base}${++count}:`

afterAll(async () => {
  if (skip !== undefined) return
  await clearRedisPrefix(REDIS_URL, base)
})

await storageConformance({
  name: 'redis',
  create: () => createRedisStorage({ url: REDIS_URL, prefix: nextPrefix() }),
  fixtures: loadStorageFixtures(),
  ...(skip === undefined ? {} : { skip }),
})

describe.skipIf(skip !== undefined)('createRedisStorage', () => {
  it('reads records written as raw Redis commands through the repositories (format version 1)', async () => {
    const prefix = nextPrefix()
    const redis = new Redis(REDIS_URL)
    const [fixture] = loadStorageFixtures().filter((item) => item.name === 'v1/memory')
    for (const record of fixture?.records ?? []) {
      await redis.hset(`${prefix}r:${record.collection}:${record.key}`, {
        rev: record.revision,
        grp: record.group,
        ord: record.order,
        ca: record.createdAt,
        ua: record.updatedAt,
        exp: record.expiresAt ?? '',
        data: JSON.stringify(record.data),
      })
      await redis.zadd(`${prefix}g:${record.collection}:${record.group}`, record.order, record.key)
      await redis.zadd(`${prefix}c:${record.collection}`, record.order, record.key)
    }
    const storage = createRedisStorage({ redis, prefix })
    expect(await storage.memory.get({ scope: 'user', scopeId: 'u1', key: 'language' })).toEqual(
      fixture?.reads[0]?.expect,
    )
    expect(await storage.memory.list({ scope: 'global' })).toEqual(fixture?.reads[1]?.expect)
    await storage.close()
    // a client it was given stays open
    expect(await redis.ping()).toBe('PONG')
    await redis.quit()
  })

  it('lets Redis itself drop expired memory (PEXPIREAT), not only hide it', async () => {
    const prefix = nextPrefix()
    const storage = createRedisStorage({ url: REDIS_URL, prefix })
    await storage.memory.set({ scope: 'global', key: 'k', value: 1, ttlMs: 60_000 })
    const redis = new Redis(REDIS_URL)
    const [key] = await redis.keys(`${prefix}r:memory:*`)
    const ttl = await redis.pttl(key as string)
    expect(ttl).toBeGreaterThan(50_000)
    await redis.quit()
    await storage.close()
  })

  it('reports an unreachable server as a StorageError, without the password', async () => {
    const storage = createRedisStorage({ url: 'redis://:s3cret@127.0.0.1:1', prefix: nextPrefix() })
    const error = await storage.runs.get('r').catch((caught: unknown) => caught)
    expect((error as Error).name).toBe('StorageError')
    expect((error as Error).message).not.toContain('s3cret')
    expect((error as Error).message).toMatch(/cannot reach Redis at 127\.0\.0\.1:1.*Is the server running\?/)
    expect((error as Error).message).not.toMatch(/max retries/i)
    await storage.close()
  })

  it('rejects bad options with a ConfigError naming the option', () => {
    expect(() => createRedisStorage({})).toThrow(/url/)
    expect(() => createRedisStorage({ url: 'localhost:6379' })).toThrow(/url has the scheme "localhost:"/)
    expect(() => createRedisStorage({ url: 'not a url with s3cret' })).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: expect.not.stringContaining('s3cret') }),
    )
    expect(() => createRedisStorage({ url: REDIS_URL, prefix: 'a b' })).toThrow(/prefix/)
  })
})
