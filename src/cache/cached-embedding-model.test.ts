import { cachedEmbeddingModel, createMemoryCache, embeddingCacheKey } from 'agentloop/cache'
import { describe, expect, it } from 'vitest'
import type { EmbeddingModel } from '../model/embedding-model.js'

/** A provider stand-in: 25 ms per call, a vector derived from the text, every call recorded. */
function slowEmbedder(): EmbeddingModel & { calls: string[][] } {
  const calls: string[][] = []
  return {
    specificationVersion: 'agentloop.embedding.v1',
    provider: 'fake',
    modelId: 'embed-1',
    dimensions: 2,
    maxBatchSize: 16,
    calls,
    async embed(texts) {
      calls.push([...texts])
      await new Promise((resolve) => setTimeout(resolve, 25))
      return {
        embeddings: texts.map((text) => [text.length, text.charCodeAt(0)]),
        usage: { inputTokens: texts.length * 10 },
      }
    },
  }
}

describe('cachedEmbeddingModel', () => {
  it('sends only uncached texts, once each, and re-indexing unchanged texts costs no provider call (measured)', async () => {
    const provider = slowEmbedder()
    const cache = createMemoryCache()
    const model = cachedEmbeddingModel(provider, { cache })
    const texts = Array.from({ length: 40 }, (_, index) => `chunk number ${index}`)

    let started = performance.now()
    const first = await model.embed([...texts, texts[0] as string])
    const coldMs = performance.now() - started
    expect(provider.calls.map((call) => call.length)).toEqual([16, 16, 8]) // batched, the duplicate sent once
    expect(first.embeddings[40]).toEqual(first.embeddings[0])
    expect(first.usage.inputTokens).toBe(400)

    started = performance.now()
    const again = await model.embed(texts)
    const warmMs = performance.now() - started
    expect(provider.calls).toHaveLength(3) // no new provider call
    expect(again.embeddings).toEqual(first.embeddings.slice(0, 40))
    expect(again.usage.inputTokens).toBe(0)

    // one changed text: one call with just that text
    await model.embed([...texts.slice(0, 39), 'a new chunk'])
    expect(provider.calls.at(-1)).toEqual(['a new chunk'])

    const stats = cache.stats()
    expect(stats.hits).toBe(79)
    expect(stats.misses).toBe(42)
    console.log(
      `embedding cache: hit rate ${(stats.hitRate * 100).toFixed(1)}% over 3 indexing passes; 40 texts cold ${coldMs.toFixed(1)} ms (3 provider calls), warm ${warmMs.toFixed(2)} ms (0 calls), ${(coldMs - warmMs).toFixed(1)} ms saved`,
    )
    expect(warmMs).toBeLessThan(coldMs / 5)
  })

  it('keys vectors by model and a hash of the text', async () => {
    const key = embeddingCacheKey({ provider: 'openai', modelId: 'text-embedding-3-small' }, 'hello')
    expect(key).toBe(
      'openai:text-embedding-3-small:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    )
    const cache = createMemoryCache()
    const one = slowEmbedder()
    const other = { ...slowEmbedder(), modelId: 'embed-2' }
    await cachedEmbeddingModel(one, { cache }).embed(['same text'])
    await cachedEmbeddingModel(other, { cache }).embed(['same text'])
    expect(other.calls).toEqual([['same text']]) // another model never reuses these vectors
  })
})
