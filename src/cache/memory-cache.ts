import { ConfigError } from '../errors/errors.js'
import { type Cache, type CacheBackend, type CacheOptions, createCache } from './cache.js'

/** Options of {@link createMemoryCache}. */
export interface MemoryCacheOptions extends CacheOptions {
  /** Entries kept at most; the least recently used go first (default 10 000). */
  maxEntries?: number
}

/**
 * A cache in this process's memory, least recently used entries evicted past `maxEntries`. Gone
 * with the process; use the Redis cache (`agentloop/redis`) to share one between processes.
 */
export function createMemoryCache(options: MemoryCacheOptions = {}): Cache {
  const maxEntries = options.maxEntries ?? 10_000
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigError({
      message: `createMemoryCache: maxEntries must be a positive integer; got ${JSON.stringify(options.maxEntries)}.`,
    })
  }
  // a Map iterates in insertion order: re-inserting on read keeps the least recently used first
  const entries = new Map<string, { text: string; expiresAt: number }>()
  const backend: CacheBackend = {
    name: 'memory',
    async get(key) {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      entries.delete(key)
      if (entry.expiresAt <= Date.now()) return undefined
      entries.set(key, entry)
      return entry.text
    },
    async set(key, text, ttlMs) {
      entries.delete(key)
      entries.set(key, { text, expiresAt: Date.now() + ttlMs })
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value as string
        entries.delete(oldest)
      }
    },
    async delete(key) {
      return entries.delete(key)
    },
    async close() {
      entries.clear()
    },
  }
  return createCache(backend, options)
}
