import { ConfigError } from '../../errors/errors.js'
import type { EmbeddingModel, EmbedOptions, EmbedResult } from '../../model/embedding-model.js'
import { callWithRetries } from '../shared/call-with-retries.js'
import { type OpenAIConnectionOptions, openaiConnection } from './openai-client.js'
import { type OpenAICompatiblePreset, presetOptions } from './presets.js'

/** Options of {@link openaiEmbedding}. */
export interface OpenAIEmbeddingOptions extends OpenAIConnectionOptions {
  /** Vector length, for models that can shorten their vectors (text-embedding-3-*). */
  dimensions?: number
  /** An OpenAI-compatible server (Ollama, vLLM...) serving the embedding model. */
  preset?: OpenAICompatiblePreset
  /** The provider name in errors (default `openai`, or the preset's name). */
  provider?: string
  /** Texts per request (default 2048, OpenAI's limit). */
  maxBatchSize?: number
}

const KNOWN_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
}

/**
 * An embedding model on `POST /v1/embeddings` (OpenAI, and compatible servers such as Ollama).
 *
 * @example
 * const embedder = openaiEmbedding('text-embedding-3-small')
 * const { embeddings } = await embedder.embed(['hello', 'world'])
 */
export function openaiEmbedding(modelId: string, options: OpenAIEmbeddingOptions = {}): EmbeddingModel {
  const resolved = presetOptions(options)
  const provider = resolved.provider ?? 'openai'
  const { client, settings } = openaiConnection(provider, resolved, resolved.apiKeyVariable)
  const maxBatchSize = options.maxBatchSize ?? 2048
  const dimensions = options.dimensions ?? KNOWN_DIMENSIONS[modelId]
  return {
    specificationVersion: 'agentloop.embedding.v1',
    provider,
    modelId,
    ...(dimensions === undefined ? {} : { dimensions }),
    maxBatchSize,
    async embed(texts: string[], embedOptions: EmbedOptions = {}): Promise<EmbedResult> {
      if (!Array.isArray(texts) || texts.some((entry) => typeof entry !== 'string')) {
        throw new ConfigError({ message: `${provider} embed: texts must be an array of strings.` })
      }
      if (texts.length === 0) return { embeddings: [], usage: { inputTokens: 0 } }
      if (texts.length > maxBatchSize) {
        throw new ConfigError({
          message: `${provider} embed: ${texts.length} texts exceed maxBatchSize = ${maxBatchSize}; split the batch.`,
        })
      }
      const body: Record<string, unknown> = { model: modelId, input: texts, encoding_format: 'float' }
      if (options.dimensions !== undefined) body.dimensions = options.dimensions
      Object.assign(body, embedOptions.providerOptions?.openai)
      const response = await callWithRetries(settings, embedOptions.signal, (signal) =>
        client.embeddings.create(body as never, { signal }),
      )
      const data = [...response.data].sort((a, b) => a.index - b.index)
      return {
        embeddings: data.map((entry) => entry.embedding),
        usage: { inputTokens: response.usage?.prompt_tokens ?? 0 },
      }
    },
  }
}
