import { ConfigError, ModelError } from 'agentloop'
import { openaiEmbedding } from 'agentloop/openai'
import { createFakeProviderServer, type FakeProviderServer, openaiError } from 'agentloop/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

let server: FakeProviderServer
beforeAll(async () => {
  server = await createFakeProviderServer()
})
afterAll(() => server.close())
beforeEach(() => server.reset())

// The shape of POST /v1/embeddings (synthetic values: no recorded embedding body is in the fixtures).
const embeddings = (vectors: number[][], order = vectors.map((_, index) => index)) => ({
  json: {
    object: 'list',
    data: order.map((index) => ({ object: 'embedding', index, embedding: vectors[index] })),
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 6, total_tokens: 6 },
  },
})

describe('openaiEmbedding', () => {
  it('embeds a batch, returning vectors in input order, with usage', async () => {
    server.enqueue(
      embeddings(
        [
          [0.1, 0.2],
          [0.3, 0.4],
          [0.5, 0.6],
        ],
        [2, 0, 1],
      ),
    )
    const model = openaiEmbedding('text-embedding-3-small', {
      apiKey: 'sk-test-123456789',
      baseURL: `${server.url}/v1`,
      dimensions: 2,
    })
    expect(model).toMatchObject({
      specificationVersion: 'agentloop.embedding.v1',
      provider: 'openai',
      dimensions: 2,
    })
    const result = await model.embed(['a', 'b', 'c'])
    expect(result).toEqual({
      embeddings: [
        [0.1, 0.2],
        [0.3, 0.4],
        [0.5, 0.6],
      ],
      usage: { inputTokens: 6 },
    })
    expect(server.requests[0]).toMatchObject({
      path: '/v1/embeddings',
      body: {
        model: 'text-embedding-3-small',
        input: ['a', 'b', 'c'],
        dimensions: 2,
        encoding_format: 'float',
      },
    })
  })

  it('serves Ollama through its preset and retries within the budget', async () => {
    server.enqueue(openaiError(503), embeddings([[1, 2, 3]]))
    const model = openaiEmbedding('nomic-embed-text', {
      preset: 'ollama',
      baseURL: `${server.url}/v1`,
      retry: { initialDelayMs: 1 },
    })
    expect(model.provider).toBe('ollama')
    expect((await model.embed(['hello'])).embeddings).toEqual([[1, 2, 3]])
    expect(server.requests).toHaveLength(2)
  })

  it('fails with ModelError on provider errors and ConfigError on bad input', async () => {
    server.setFallback(openaiError(400, 'bad input', 'invalid_request'))
    const model = openaiEmbedding('text-embedding-3-small', {
      apiKey: 'sk-test-123456789',
      baseURL: `${server.url}/v1`,
      maxBatchSize: 2,
    })
    await expect(model.embed(['x'])).rejects.toBeInstanceOf(ModelError)
    await expect(model.embed(['a', 'b', 'c'])).rejects.toThrow(/exceed maxBatchSize = 2/)
    await expect(model.embed([1 as unknown as string])).rejects.toBeInstanceOf(ConfigError)
    expect(await model.embed([])).toEqual({ embeddings: [], usage: { inputTokens: 0 } })
  })
})
