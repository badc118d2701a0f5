import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryStorage, type EmbeddingModel, type Storage } from 'agentloop'
import { cachedEmbeddingModel, createMemoryCache } from 'agentloop/cache'
import {
  createDataSourceRegistry,
  fileDataSource,
  ingestSource,
  SOURCE_FACT_TYPE,
  sourceChunkId,
  webDataSource,
} from 'agentloop/knowledge'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

/** An embedder that counts the texts it is sent; vectors are letter counts (a, e, o, s). */
function countingEmbedder(modelId = 'letters'): EmbeddingModel & { sent: string[] } {
  const sent: string[] = []
  return {
    specificationVersion: 'agentloop.embedding.v1',
    provider: 'fake',
    modelId,
    sent,
    async embed(texts) {
      sent.push(...texts)
      return {
        embeddings: texts.map((text) => ['a', 'e', 'o', 's'].map((letter) => text.split(letter).length)),
        usage: { inputTokens: texts.length },
      }
    },
  }
}

const directory = mkdtempSync(join(tmpdir(), 'agentloop-ingest-'))
const paragraphs = (count: number, word = 'alpha') =>
  Array.from(
    { length: count },
    (_, index) => `Paragraph ${index} about ${word}. It has a few sentences of text.`,
  ).join('\n\n')
let server: Server
let base = ''
let page =
  '<html><head><title>Guide</title></head><body><p>Install with npm.</p><p>Then run it.</p></body></html>'

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' })
    response.end(page)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(directory, { recursive: true, force: true })
})

describe('ingestSource', () => {
  let storage: Storage
  beforeEach(() => {
    storage = createMemoryStorage()
  })

  it('fetches, splits, embeds and stores chunks with the source in their metadata', async () => {
    writeFileSync(join(directory, 'notes.md'), paragraphs(10))
    const embedder = countingEmbedder()
    const sources = createDataSourceRegistry([fileDataSource({ root: directory })])
    const result = await ingestSource({
      source: 'file:notes.md',
      sources,
      knowledge: storage.knowledge,
      embedder,
      chunkSize: 200,
      overlap: 0,
    })
    expect(result).toMatchObject({ status: 'indexed', embedded: result.chunks, reused: 0, removed: 0 })
    expect(result.chunks).toBeGreaterThan(2)
    const first = await storage.knowledge.getEmbedding(sourceChunkId('file:notes.md', 0))
    expect(first?.text).toContain('Paragraph 0 about alpha.')
    expect(first?.metadata).toMatchObject({
      source: 'file:notes.md',
      sourceType: 'file',
      chunk: 0,
      embeddingModel: 'fake:letters',
      sourceMetadata: { type: 'file', path: 'notes.md' },
    })
    const hits = await storage.knowledge.search({
      vector: first?.vector as number[],
      topK: 50,
      filter: { source: 'file:notes.md' },
    })
    expect(hits).toHaveLength(result.chunks)
    const [manifest] = await storage.knowledge.listFacts({ type: SOURCE_FACT_TYPE, subject: 'file:notes.md' })
    expect(manifest?.content).toMatchObject({ contentHash: result.contentHash, chunks: result.chunks })
  })

  it('skips unchanged content, re-embeds only changed chunks, and removes chunks that are gone', async () => {
    writeFileSync(join(directory, 'doc.md'), paragraphs(10))
    const embedder = countingEmbedder()
    const options = {
      source: 'file:doc.md',
      sources: fileDataSource({ root: directory }),
      knowledge: storage.knowledge,
      embedder,
      chunkSize: 200,
      overlap: 0,
    }
    const first = await ingestSource(options)
    const sentFirst = embedder.sent.length
    expect(sentFirst).toBe(first.chunks)

    const again = await ingestSource(options)
    expect(again).toMatchObject({ status: 'unchanged', embedded: 0, chunks: first.chunks })
    expect(embedder.sent).toHaveLength(sentFirst) // no provider call at all

    // change the last paragraph only: the chunks before it keep their vectors
    writeFileSync(join(directory, 'doc.md'), `${paragraphs(9)}\n\nParagraph 9 was rewritten entirely, look.`)
    const edited = await ingestSource(options)
    expect(edited.status).toBe('indexed')
    expect(edited.embedded).toBe(1)
    expect(edited.reused).toBe(edited.chunks - 1)
    expect(embedder.sent.at(-1)).toContain('rewritten')

    writeFileSync(join(directory, 'doc.md'), paragraphs(2))
    const shorter = await ingestSource(options)
    expect(shorter.removed).toBe(edited.chunks - shorter.chunks)
    expect(await storage.knowledge.getEmbedding(sourceChunkId('file:doc.md', shorter.chunks))).toBeNull()

    // another embedding model means new vectors for everything
    const other = countingEmbedder('other')
    expect(await ingestSource({ ...options, embedder: other })).toMatchObject({ embedded: shorter.chunks })
  })

  it('ingests a web page from a local HTTP server and picks up its changes', async () => {
    const embedder = countingEmbedder()
    const options = {
      source: `web:${base}/guide`,
      sources: createDataSourceRegistry([webDataSource({ timeoutMs: 2000 })]),
      knowledge: storage.knowledge,
      embedder,
      namespace: 'docs',
    }
    expect(await ingestSource(options)).toMatchObject({ status: 'indexed', chunks: 1, embedded: 1 })
    const [stored] = await storage.knowledge.search({ vector: [1, 1, 1, 1], namespace: 'docs' })
    expect(stored?.embedding.text).toBe('Install with npm.\n\nThen run it.')
    expect(stored?.embedding.metadata.sourceMetadata).toMatchObject({ title: 'Guide', status: 200 })
    expect(await ingestSource(options)).toMatchObject({ status: 'unchanged' })
    page = page.replace('Then run it.', 'Then run it twice.')
    expect(await ingestSource(options)).toMatchObject({ status: 'indexed', embedded: 1 })
    expect(embedder.sent).toHaveLength(2)
  })

  it('shares vectors between sources through the embedding cache (same text, no second provider call)', async () => {
    writeFileSync(join(directory, 'copy-a.md'), paragraphs(4, 'shared'))
    writeFileSync(join(directory, 'copy-b.md'), paragraphs(4, 'shared'))
    const provider = countingEmbedder()
    const cache = createMemoryCache()
    const embedder = cachedEmbeddingModel(provider, { cache })
    const sources = fileDataSource({ root: directory })
    const common = { sources, knowledge: storage.knowledge, embedder, chunkSize: 200, overlap: 0 }
    const a = await ingestSource({ ...common, source: 'file:copy-a.md' })
    const b = await ingestSource({ ...common, source: 'file:copy-b.md' })
    expect(b.embedded).toBe(a.chunks) // new to this source...
    expect(provider.sent).toHaveLength(a.chunks) // ...but the provider saw each text once
    expect(cache.stats().hitRate).toBe(0.5)
  })
})
