import { cachedLookup, createMemoryCache, DEFAULT_CACHE_TTL_SECONDS } from 'agentloop/cache'
import { describe, expect, it } from 'vitest'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('createMemoryCache', () => {
  it('uses the seed defaults per kind: credentials a day, embeddings 10 minutes, conversations an hour', async () => {
    expect(DEFAULT_CACHE_TTL_SECONDS).toEqual({ credentials: 86_400, embeddings: 600, conversations: 3_600 })
    const cache = createMemoryCache({ ttlSeconds: { embeddings: 0.05 } })
    await cache.set({ kind: 'embeddings', key: 'k', value: [1, 2] })
    await cache.set({ kind: 'conversations', key: 'k', value: { turns: 3 } })
    await cache.set({ kind: 'summaries', key: 'k', value: 'a custom kind', ttlSeconds: 0.05 })
    expect(await cache.get('embeddings', 'k')).toEqual([1, 2])
    // kinds are separate namespaces
    expect(await cache.get('conversations', 'k')).toEqual({ turns: 3 })
    await sleep(80)
    expect(await cache.get('embeddings', 'k')).toBeUndefined()
    expect(await cache.get('summaries', 'k')).toBeUndefined()
    expect(await cache.get('conversations', 'k')).toEqual({ turns: 3 })
    expect(cache.stats()).toMatchObject({ hits: 3, misses: 2, sets: 3, hitRate: 0.6 })
  })

  it('returns copies, deletes, and evicts the least recently used entry past maxEntries', async () => {
    const cache = createMemoryCache({ maxEntries: 2 })
    const value = { list: [1] }
    await cache.set({ kind: 'conversations', key: 'a', value })
    value.list.push(2)
    expect(await cache.get('conversations', 'a')).toEqual({ list: [1] })
    await cache.set({ kind: 'conversations', key: 'b', value: 2 })
    await cache.get('conversations', 'a') // a is now the most recently used
    await cache.set({ kind: 'conversations', key: 'c', value: 3 })
    expect(await cache.get('conversations', 'b')).toBeUndefined()
    expect(await cache.get('conversations', 'a')).toEqual({ list: [1] })
    expect(await cache.delete('conversations', 'a')).toBe(true)
    expect(await cache.delete('conversations', 'a')).toBe(false)
  })

  it('shares one computation between concurrent getOrSet calls and does not cache a failure', async () => {
    const cache = createMemoryCache()
    let calls = 0
    const compute = async () => {
      calls++
      await sleep(10)
      return 'value'
    }
    const results = await Promise.all(
      Array.from({ length: 5 }, () => cache.getOrSet({ kind: 'credentials', key: 'openai', compute })),
    )
    expect(results).toEqual(Array(5).fill('value'))
    expect(calls).toBe(1)
    const failing = cachedLookup({
      cache,
      kind: 'credentials',
      lookup: async () => {
        calls++
        throw new Error('vault down')
      },
    })
    await expect(failing('anthropic')).rejects.toThrow('vault down')
    await expect(failing('anthropic')).rejects.toThrow('vault down')
    expect(calls).toBe(3)
  })

  it('caches a repeated provider lookup (credentials) for its TTL', async () => {
    const cache = createMemoryCache()
    const asked: string[] = []
    const apiKey = cachedLookup({
      cache,
      kind: 'credentials',
      lookup: async (provider) => {
        asked.push(provider)
        return `key-for-${provider}`
      },
    })
    for (let round = 0; round < 10; round++) {
      expect(await apiKey('openai')).toBe('key-for-openai')
      expect(await apiKey('anthropic')).toBe('key-for-anthropic')
    }
    expect(asked).toEqual(['openai', 'anthropic'])
    expect(cache.stats().hitRate).toBe(18 / 20)
  })

  it('rejects bad TTLs, keys and values with a ConfigError naming the field', async () => {
    expect(() => createMemoryCache({ ttlSeconds: { embeddings: 0 } })).toThrow(
      /ttlSeconds.embeddings must be a positive/,
    )
    expect(() => createMemoryCache({ maxEntries: 0 })).toThrow(/maxEntries/)
    const cache = createMemoryCache()
    await expect(cache.set({ kind: 'x', key: '', value: 1 })).rejects.toThrow(/cache key must be a non-empty/)
    await expect(cache.set({ kind: 'x', key: 'k', value: 1, ttlSeconds: -1 })).rejects.toThrow(/ttlSeconds/)
    await expect(cache.set({ kind: 'x', key: 'k', value: undefined as never })).rejects.toThrow(/undefined/)
  })
})
