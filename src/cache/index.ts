/**
 * Caching (seed 003): a small `Cache` of JSON values by kind with per-kind TTLs (credentials a day,
 * embeddings 10 minutes, conversations an hour by default), an in-memory backend, an embedding
 * model that asks the cache first, and a wrapper for lookups that repeat. The Redis backend is
 * `createRedisCache` in `agentloop/redis`.
 *
 * @example
 * import { cachedEmbeddingModel, createMemoryCache } from 'agentloop/cache'
 * const cache = createMemoryCache()
 * const embedder = cachedEmbeddingModel(openaiEmbedding('text-embedding-3-small'), { cache })
 *
 * @module
 */
export {
  type Cache,
  type CacheBackend,
  type CacheKind,
  type CacheOptions,
  type CacheStats,
  createCache,
  DEFAULT_CACHE_TTL_SECONDS,
} from './cache.js'
export {
  type CachedEmbeddingModelOptions,
  cachedEmbeddingModel,
  embeddingCacheKey,
} from './cached-embedding-model.js'
export { type CachedLookupOptions, cachedLookup } from './cached-lookup.js'
export { createMemoryCache, type MemoryCacheOptions } from './memory-cache.js'
