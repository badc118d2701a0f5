import type { JsonObject, JsonValue } from '../util/json.js'

/**
 * The predefined kinds of fact (seed 002's `FactType`): about the user, about the project, a
 * preference, context for the conversation, or something else. Any other string works too.
 *
 * @example
 * await storage.knowledge.putFact({ type: FACT_TYPES.preference, subject: 'language', content: 'TypeScript' })
 */
export const FACT_TYPES = {
  user: 'user',
  project: 'project',
  preference: 'preference',
  context: 'context',
  custom: 'custom',
} as const

/** A predefined fact kind, or any custom one (the editor still suggests the predefined ones). */
export type FactType = (typeof FACT_TYPES)[keyof typeof FACT_TYPES] | (string & {})

/** A typed fact (`preference`, `entity`, `observation`...): what an agent learned. */
export interface Fact {
  id: string
  namespace: string
  type: FactType
  subject?: string | undefined
  content: JsonValue
  confidence?: number | undefined
  metadata: JsonObject
  createdAt: number
  updatedAt: number
}

/** A summary of something (a conversation, a document). */
export interface Summary {
  id: string
  namespace: string
  subject?: string | undefined
  text: string
  metadata: JsonObject
  createdAt: number
  updatedAt: number
}

/** A vector with the text and metadata it stands for. */
export interface Embedding {
  /** Unique within the namespace. */
  id: string
  namespace: string
  vector: number[]
  text?: string | undefined
  metadata: JsonObject
  createdAt: number
  updatedAt: number
}

/** A search hit: the embedding and its cosine similarity to the query (1 = same direction). */
export interface SimilarityMatch {
  embedding: Embedding
  score: number
}

/** Facts, summaries and embeddings with similarity search. */
export interface KnowledgeRepository {
  /** Adds a fact, or replaces the one with the same `id`. */
  putFact(input: {
    id?: string
    namespace?: string
    type: FactType
    subject?: string
    content: JsonValue
    confidence?: number
    metadata?: JsonObject
  }): Promise<Fact>
  getFact(id: string): Promise<Fact | null>
  /** Facts of a namespace (default `default`), oldest first, optionally of one type or subject. */
  listFacts(options?: { namespace?: string; type?: FactType; subject?: string }): Promise<Fact[]>
  deleteFact(id: string): Promise<boolean>
  /** Adds a summary, or replaces the one with the same `id`. */
  putSummary(input: {
    id?: string
    namespace?: string
    subject?: string
    text: string
    metadata?: JsonObject
  }): Promise<Summary>
  getSummary(id: string): Promise<Summary | null>
  listSummaries(options?: { namespace?: string; subject?: string }): Promise<Summary[]>
  deleteSummary(id: string): Promise<boolean>
  /** Adds or replaces an embedding (finite numbers, at least one). */
  putEmbedding(input: {
    id: string
    namespace?: string
    vector: readonly number[]
    text?: string
    metadata?: JsonObject
  }): Promise<Embedding>
  getEmbedding(id: string, options?: { namespace?: string }): Promise<Embedding | null>
  deleteEmbedding(id: string, options?: { namespace?: string }): Promise<boolean>
  /**
   * The `topK` (default 5) embeddings of a namespace most similar to `vector` by cosine, best first;
   * only those whose metadata has every field of `filter` with an equal value, and (when given) a
   * score of at least `minScore`. Embeddings of another dimension are ignored.
   */
  search(input: {
    vector: readonly number[]
    namespace?: string
    topK?: number
    filter?: JsonObject
    minScore?: number
  }): Promise<SimilarityMatch[]>
}
