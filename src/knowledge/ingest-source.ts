import { createHash } from 'node:crypto'
import { ConfigError } from '../errors/errors.js'
import type { EmbeddingModel } from '../model/embedding-model.js'
import type { KnowledgeRepository } from '../storage/knowledge-repository.js'
import type { JsonObject } from '../util/json.js'
import type { DataSource } from './data-source.js'
import type { DataSourceRegistry } from './data-source-registry.js'
import { type SplitOptions, splitIntoChunks } from './split-into-chunks.js'

/** The fact type of the record that remembers what was ingested from a source. */
export const SOURCE_FACT_TYPE = 'data-source'

/** Options of {@link ingestSource}. */
export interface IngestSourceOptions extends SplitOptions {
  /** The address, `type:id`. */
  source: string
  /** Where to fetch it: a registry of source types, or one data source. */
  sources: DataSourceRegistry | DataSource
  /** Where to store it: `storage.knowledge`. */
  knowledge: KnowledgeRepository
  /** Turns chunks into vectors (wrap it with `cachedEmbeddingModel` to share vectors across sources). */
  embedder: EmbeddingModel
  /** The knowledge namespace (default `default`). */
  namespace?: string
  signal?: AbortSignal
}

/** What {@link ingestSource} did. */
export interface IngestResult {
  source: string
  /** `unchanged`: same content as last time, nothing embedded or written. */
  status: 'indexed' | 'unchanged'
  /** SHA-256 of the content. */
  contentHash: string
  /** Chunks the content has now. */
  chunks: number
  /** Chunks sent to the embedder (new or changed). */
  embedded: number
  /** Chunks whose stored vector was kept (same text, same model). */
  reused: number
  /** Chunks of the previous version deleted (the content got shorter). */
  removed: number
}

interface Manifest {
  contentHash: string
  chunks: number
  chunkSize: number
  overlap: number
  embeddingModel: string
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** The id of chunk `index` of a source; the manifest (a fact) is keyed by namespace and source. */
export function sourceChunkId(source: string, index: number): string {
  return `${source}#${index}`
}

/**
 * Fetches a source, splits it into chunks, embeds them and stores each as an embedding with the
 * source in its metadata (`metadata.source`, so `knowledge.search({ filter: { source } })` finds
 * one source's chunks). Content that has not changed since the last ingestion is skipped before
 * anything is embedded; when it changed, only chunks whose text changed are embedded again.
 * A fact of type `data-source` (subject: the address) remembers what was ingested.
 */
export async function ingestSource(options: IngestSourceOptions): Promise<IngestResult> {
  const { source, knowledge, embedder } = options
  const namespace = options.namespace ?? 'default'
  const chunkSize = options.chunkSize ?? 1000
  const overlap = options.overlap ?? 100
  if (typeof knowledge?.putEmbedding !== 'function' || typeof embedder?.embed !== 'function') {
    throw new ConfigError({
      message: 'ingestSource: pass knowledge (storage.knowledge) and embedder (an EmbeddingModel).',
    })
  }
  const fetched = await options.sources.fetchContent(
    source,
    options.signal === undefined ? {} : { signal: options.signal },
  )
  const contentHash = sha256(fetched.content)
  const embeddingModel = `${embedder.provider}:${embedder.modelId}`
  const manifestId = `${SOURCE_FACT_TYPE}:${namespace.length}:${namespace}:${source}`
  const previous = (await knowledge.getFact(manifestId))?.content as Manifest | undefined
  const unchanged =
    previous?.contentHash === contentHash &&
    previous.chunkSize === chunkSize &&
    previous.overlap === overlap &&
    previous.embeddingModel === embeddingModel
  if (unchanged) {
    return {
      source,
      status: 'unchanged',
      contentHash,
      chunks: previous.chunks,
      embedded: 0,
      reused: 0,
      removed: 0,
    }
  }

  const chunks = splitIntoChunks(fetched.content, { chunkSize, overlap })
  const stored = await Promise.all(
    chunks.map((_chunk, index) => knowledge.getEmbedding(sourceChunkId(source, index), { namespace })),
  )
  const vectors: (number[] | undefined)[] = chunks.map((chunk, index) => {
    const existing = stored[index]
    const same =
      existing?.metadata.chunkHash === sha256(chunk) && existing.metadata.embeddingModel === embeddingModel
    return same ? existing.vector : undefined
  })
  const toEmbed = chunks.map((_chunk, index) => index).filter((index) => vectors[index] === undefined)
  const batch = embedder.maxBatchSize ?? toEmbed.length
  for (let start = 0; start < toEmbed.length; start += batch) {
    const indexes = toEmbed.slice(start, start + batch)
    const result = await embedder.embed(
      indexes.map((index) => chunks[index] as string),
      options.signal === undefined ? {} : { signal: options.signal },
    )
    indexes.forEach((index, offset) => {
      vectors[index] = result.embeddings[offset]
    })
  }

  const sourceType = source.slice(0, source.indexOf(':'))
  for (const [index, chunk] of chunks.entries()) {
    const metadata: JsonObject = {
      source,
      sourceType,
      chunk: index,
      chunkHash: sha256(chunk),
      embeddingModel,
      sourceMetadata: fetched.metadata,
    }
    await knowledge.putEmbedding({
      id: sourceChunkId(source, index),
      namespace,
      vector: vectors[index] as number[],
      text: chunk,
      metadata,
    })
  }
  let removed = 0
  for (let index = chunks.length; index < (previous?.chunks ?? 0); index++) {
    if (await knowledge.deleteEmbedding(sourceChunkId(source, index), { namespace })) removed++
  }
  const manifest: Manifest = { contentHash, chunks: chunks.length, chunkSize, overlap, embeddingModel }
  await knowledge.putFact({
    id: manifestId,
    namespace,
    type: SOURCE_FACT_TYPE,
    subject: source,
    content: { ...manifest },
    metadata: fetched.metadata,
  })
  return {
    source,
    status: 'indexed',
    contentHash,
    chunks: chunks.length,
    embedded: toEmbed.length,
    reused: chunks.length - toEmbed.length,
    removed,
  }
}
