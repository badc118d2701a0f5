/**
 * A small cache for values that are slow or costly to get again (seed 003): embeddings, credentials,
 * conversations. Entries are JSON, grouped by kind, and each kind has its own time to live.
 * `createCache` turns a backend that stores text with an expiry (memory, Redis) into a `Cache`.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import { type JsonValue, parseJson } from '../util/json.js'

/** What is cached; each kind has its own TTL. Any other name works too. */
export type CacheKind = 'credentials' | 'embeddings' | 'conversations' | (string & {})

/** The seed's default TTLs, in seconds: credentials a day, embeddings 10 minutes, conversations an hour. */
export const DEFAULT_CACHE_TTL_SECONDS = {
  credentials: 86_400,
  embeddings: 600,
  conversations: 3_600,
} as const

/** Counters since the cache was created. */
export interface CacheStats {
  hits: number
  misses: number
  sets: number
  /** hits / (hits + misses); 0 before the first read. */
  hitRate: number
}

/** A cache of JSON values by kind and key. */
export interface Cache {
  /** The backend: `memory`, `redis`... */
  readonly backend: string
  /** The value, or undefined when missing or expired. */
  get<T extends JsonValue = JsonValue>(kind: CacheKind, key: string): Promise<T | undefined>
  /** Stores a value for the kind's TTL, or `ttlSeconds`. */
  set(entry: { kind: CacheKind; key: string; value: JsonValue; ttlSeconds?: number }): Promise<void>
  delete(kind: CacheKind, key: string): Promise<boolean>
  /**
   * The cached value, or else `compute()`'s, stored for next time. Concurrent calls for one key in
   * this process share one `compute()`.
   */
  getOrSet<T extends JsonValue>(entry: {
    kind: CacheKind
    key: string
    compute: () => Promise<T>
    ttlSeconds?: number
  }): Promise<T>
  stats(): CacheStats
  close(): Promise<void>
}

/** What a cache backend implements: text by key, with an expiry. */
export interface CacheBackend {
  readonly name: string
  get(key: string): Promise<string | undefined>
  /** `ttlMs` > 0. */
  set(key: string, text: string, ttlMs: number): Promise<void>
  delete(key: string): Promise<boolean>
  close(): Promise<void>
}

/** Options every cache takes. */
export interface CacheOptions {
  /** TTL per kind in seconds, over {@link DEFAULT_CACHE_TTL_SECONDS}. */
  ttlSeconds?: Partial<Record<CacheKind, number>>
  /** TTL of kinds without one, in seconds (default 3600). */
  defaultTtlSeconds?: number
}

function requireTtl(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError({
      message: `${field} must be a positive number of seconds; got ${JSON.stringify(value)}.`,
    })
  }
  return value
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError({ message: `${field} must be a non-empty string; got ${JSON.stringify(value)}.` })
  }
  return value
}

/** A `Cache` over a backend: JSON values, per-kind TTLs, counters and shared computations. */
export function createCache(backend: CacheBackend, options: CacheOptions = {}): Cache {
  const ttls: Record<string, number> = { ...DEFAULT_CACHE_TTL_SECONDS }
  for (const [kind, seconds] of Object.entries(options.ttlSeconds ?? {})) {
    ttls[kind] = requireTtl(seconds, `cache ttlSeconds.${kind}`)
  }
  const defaultTtl = requireTtl(options.defaultTtlSeconds ?? 3_600, 'cache defaultTtlSeconds')
  const counters = { hits: 0, misses: 0, sets: 0 }
  const pending = new Map<string, Promise<JsonValue>>()
  // the kind is length-prefixed so kind "a:b" + key "c" never meets kind "a" + key "b:c"
  const fullKey = (kind: string, key: string) =>
    `${requireText(kind, 'cache kind').length}:${kind}:${requireText(key, 'cache key')}`

  const cache: Cache = {
    backend: backend.name,

    async get<T extends JsonValue>(kind: CacheKind, key: string) {
      const text = await backend.get(fullKey(kind, key))
      const parsed = text === undefined ? undefined : parseJson(text)
      if (parsed === undefined || !parsed.ok) {
        counters.misses++
        return undefined
      }
      counters.hits++
      return parsed.value as T
    },

    async set(entry) {
      const ttlSeconds =
        entry.ttlSeconds === undefined
          ? (ttls[entry.kind] ?? defaultTtl)
          : requireTtl(entry.ttlSeconds, 'cache.set: ttlSeconds')
      let text: string
      try {
        text = JSON.stringify(entry.value)
      } catch (error) {
        throw new ConfigError({
          message: `cache.set: the value of ${entry.kind} "${entry.key}" is not JSON (${(error as Error).message}). Cache plain JSON values.`,
          cause: error,
        })
      }
      if (text === undefined) {
        throw new ConfigError({
          message: `cache.set: the value of ${entry.kind} "${entry.key}" is undefined. Cache JSON values (null is fine).`,
        })
      }
      await backend.set(fullKey(entry.kind, entry.key), text, Math.ceil(ttlSeconds * 1000))
      counters.sets++
    },

    delete: (kind, key) => backend.delete(fullKey(kind, key)),

    async getOrSet<T extends JsonValue>(entry: {
      kind: CacheKind
      key: string
      compute: () => Promise<T>
      ttlSeconds?: number
    }): Promise<T> {
      const id = fullKey(entry.kind, entry.key)
      const running = pending.get(id)
      if (running !== undefined) {
        counters.hits++
        return running as Promise<T>
      }
      const work = (async () => {
        const cached = await cache.get<T>(entry.kind, entry.key)
        if (cached !== undefined) return cached
        const value = await entry.compute()
        const set: Parameters<Cache['set']>[0] = { kind: entry.kind, key: entry.key, value }
        if (entry.ttlSeconds !== undefined) set.ttlSeconds = entry.ttlSeconds
        await cache.set(set)
        return value
      })()
      pending.set(id, work)
      try {
        return await work
      } finally {
        pending.delete(id)
      }
    },

    stats() {
      const reads = counters.hits + counters.misses
      return { ...counters, hitRate: reads === 0 ? 0 : counters.hits / reads }
    },

    close: () => backend.close(),
  }
  return cache
}
