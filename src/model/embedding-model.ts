import type { ProviderMetadata } from '../messages/message.js'

/** Options of one embedding call. */
export interface EmbedOptions {
  /** Aborts the provider request. */
  signal?: AbortSignal
  /** Options only one provider understands, passed through untouched: `{ openai: { ... } }`. */
  providerOptions?: ProviderMetadata
}

/** The vectors of one embedding call, in the order of the input texts. */
export interface EmbedResult {
  embeddings: number[][]
  usage: { inputTokens: number }
}

/**
 * Turns texts into vectors (for the knowledge store's similarity search). A failed provider call
 * throws `ModelError`, like a `Model`.
 */
export interface EmbeddingModel {
  /** The version of this interface the model implements. */
  readonly specificationVersion: 'agentloop.embedding.v1'
  readonly provider: string
  readonly modelId: string
  /** Length of every vector, when known before the first call. */
  readonly dimensions?: number
  /** Texts one call accepts at most; callers split larger batches. */
  readonly maxBatchSize?: number
  embed(texts: string[], options?: EmbedOptions): Promise<EmbedResult>
}
