import type { JsonValue } from '../util/json.js'
import type { Cache, CacheKind } from './cache.js'

/** Options of {@link cachedLookup}. */
export interface CachedLookupOptions<T extends JsonValue> {
  cache: Cache
  /** The cache kind, whose TTL applies (`credentials` for a secrets lookup). */
  kind: CacheKind
  /** The slow lookup: a credentials service, a provider's model list... */
  lookup: (key: string) => Promise<T>
  /** Overrides the kind's TTL, in seconds. */
  ttlSeconds?: number
}

/**
 * Wraps a lookup that repeats (a provider's credentials fetched from a secrets service, a model
 * list) so each key is looked up once per TTL; concurrent calls for one key share one lookup.
 * A lookup that throws is not cached.
 *
 * @example
 * const apiKey = cachedLookup({ cache, kind: 'credentials', lookup: (provider) => vault.read(provider) })
 * await apiKey('openai')   // the vault is asked once a day
 */
export function cachedLookup<T extends JsonValue>(
  options: CachedLookupOptions<T>,
): (key: string) => Promise<T> {
  return (key) => {
    const entry: Parameters<Cache['getOrSet']>[0] = {
      kind: options.kind,
      key,
      compute: () => options.lookup(key),
    }
    if (options.ttlSeconds !== undefined) entry.ttlSeconds = options.ttlSeconds
    return options.cache.getOrSet(entry) as Promise<T>
  }
}
