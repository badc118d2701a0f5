import { createHash } from 'node:crypto'
import type { EmbeddingModel, EmbedOptions, EmbedResult } from '../model/embedding-model.js'
import type { Cache } from './cache.js'

/** Options of {@link cachedEmbeddingModel}. */
export interface CachedEmbeddingModelOptions {
  cache: Cache
  /** Overrides the cache's TTL of the `embeddings` kind, in seconds. */
  ttlSeconds?: number
}

/** The cache key of a text's vector: the model and a SHA-256 of the text (the text itself is not stored). */
export function embeddingCacheKey(model: Pick<EmbeddingModel, 'provider' | 'modelId'>, text: string): string {
  const hash = createHash('sha256').update(text).digest('hex')
  return `${model.provider}:${model.modelId}:${hash}`
}

/**
 * An embedding model that asks the cache first: only texts whose vector is not cached (by model
 * and hash of the text) go to the provider, in one call, and their vectors are cached for the
 * `embeddings` TTL. Re-indexing unchanged knowledge then costs no provider call. `usage` counts
 * only the tokens actually sent.
 */
export function cachedEmbeddingModel(
  model: EmbeddingModel,
  options: CachedEmbeddingModelOptions,
): EmbeddingModel {
  const { cache } = options
  const cached: EmbeddingModel = {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    async embed(texts: string[], embedOptions?: EmbedOptions): Promise<EmbedResult> {
      const keys = texts.map((text) => embeddingCacheKey(model, text))
      const vectors = await Promise.all(keys.map((key) => cache.get<number[]>('embeddings', key)))
      // each distinct missing text is sent once, even when it appears several times
      const missing = new Map<string, number[]>()
      vectors.forEach((vector, index) => {
        if (vector !== undefined) return
        const text = texts[index] as string
        const positions = missing.get(text)
        if (positions === undefined) missing.set(text, [index])
        else positions.push(index)
      })
      let inputTokens = 0
      if (missing.size > 0) {
        const pending = [...missing.keys()]
        const batch = model.maxBatchSize ?? pending.length
        for (let start = 0; start < pending.length; start += batch) {
          const slice = pending.slice(start, start + batch)
          const result = await model.embed(slice, embedOptions)
          inputTokens += result.usage.inputTokens
          await Promise.all(
            slice.map(async (text, offset) => {
              const vector = result.embeddings[offset] as number[]
              for (const index of missing.get(text) ?? []) vectors[index] = vector
              const entry: Parameters<Cache['set']>[0] = {
                kind: 'embeddings',
                key: keys[missing.get(text)?.[0] as number] as string,
                value: vector,
              }
              if (options.ttlSeconds !== undefined) entry.ttlSeconds = options.ttlSeconds
              await cache.set(entry)
            }),
          )
        }
      }
      return { embeddings: vectors as number[][], usage: { inputTokens } }
    },
  }
  if (model.dimensions !== undefined) Object.assign(cached, { dimensions: model.dimensions })
  if (model.maxBatchSize !== undefined) Object.assign(cached, { maxBatchSize: model.maxBatchSize })
  return cached
}
