import { ConfigError } from '../../errors/errors.js'
import type { JsonObject } from '../../util/json.js'
import type {
  Embedding,
  Fact,
  KnowledgeRepository,
  SimilarityMatch,
  Summary,
} from '../knowledge-repository.js'
import { decodeRecord, decodeRecords } from '../record-codec.js'
import type { StoreDriver, StoredRecord } from '../store-driver.js'
import {
  commitOrThrow,
  compact,
  compositeKey,
  cosineSimilarity,
  limitOf,
  matchesFilter,
  newId,
  requireId,
  requireJson,
} from './shared.js'

type Stored<T> = Omit<T, 'createdAt' | 'updatedAt'> & { version: 1 }

function withTimes<T>(record: StoredRecord, data: Stored<T>): T {
  const { version: _version, ...rest } = data
  return { ...rest, createdAt: record.createdAt, updatedAt: record.updatedAt } as T
}

function checkVector(vector: readonly number[], field: string): number[] {
  if (!Array.isArray(vector) || vector.length === 0) {
    throw new ConfigError({ message: `${field} must be a non-empty array of numbers.` })
  }
  vector.forEach((value, index) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ConfigError({
        message: `${field}[${index}] must be a finite number; got ${JSON.stringify(value)}.`,
      })
    }
  })
  return [...vector]
}

/** The knowledge repository over a store driver; cosine search in JS unless the driver searches natively. */
export function createKnowledgeRepository(driver: StoreDriver): KnowledgeRepository {
  async function getDecoded<T>(collection: string, key: string): Promise<T | null> {
    const record = await driver.get(collection, key)
    return record === null ? null : withTimes<T>(record, await decodeRecord<Stored<T>>(record))
  }

  async function listDecoded<T>(collection: string, group: string): Promise<T[]> {
    const records = await driver.list(collection, { group })
    const decoded = await decodeRecords<Stored<T>>(records)
    return decoded.map((data, index) => withTimes<T>(records[index] as StoredRecord, data))
  }

  async function remove(collection: string, key: string): Promise<boolean> {
    const existing = await driver.get(collection, key)
    await commitOrThrow(driver, [{ type: 'delete', collection, key }])
    return existing !== null
  }

  async function write<T>(
    collection: string,
    key: string,
    group: string,
    data: Stored<T>,
    vector?: number[],
  ) {
    const now = Date.now()
    await commitOrThrow(
      driver,
      [
        {
          type: 'put',
          collection,
          key,
          group,
          order: now,
          data: data as unknown as JsonObject,
          ...(vector === undefined ? {} : { vector }),
        },
      ],
      now,
    )
    const stored = await driver.get(collection, key)
    return { ...(data as object), createdAt: stored?.createdAt ?? now, updatedAt: now } as T
  }

  const namespaceOf = (namespace: string | undefined, method: string) =>
    namespace === undefined ? 'default' : requireId(namespace, `knowledge.${method}: namespace`)

  return {
    async putFact(input) {
      if (typeof input?.type !== 'string')
        throw new ConfigError({ message: 'knowledge.putFact: type must be a string.' })
      requireJson(input.content, 'knowledge.putFact: content')
      if (input.metadata !== undefined) requireJson(input.metadata, 'knowledge.putFact: metadata')
      const data: Stored<Fact> = compact({
        version: 1 as const,
        id: input.id === undefined ? newId() : requireId(input.id, 'knowledge.putFact: id'),
        namespace: namespaceOf(input.namespace, 'putFact'),
        type: input.type,
        subject: input.subject,
        content: input.content,
        confidence: input.confidence,
        metadata: input.metadata ?? {},
      })
      const { version: _version, ...fact } = await write<Stored<Fact> & Fact>(
        'fact',
        data.id,
        data.namespace,
        data,
      )
      return fact
    },
    getFact: async (id) => getDecoded<Fact>('fact', requireId(id, 'knowledge.getFact: id')),
    async listFacts(options = {}) {
      const facts = await listDecoded<Fact>('fact', namespaceOf(options.namespace, 'listFacts'))
      return facts.filter(
        (fact) =>
          (options.type === undefined || fact.type === options.type) &&
          (options.subject === undefined || fact.subject === options.subject),
      )
    },
    deleteFact: async (id) => remove('fact', requireId(id, 'knowledge.deleteFact: id')),

    async putSummary(input) {
      if (typeof input?.text !== 'string')
        throw new ConfigError({ message: 'knowledge.putSummary: text must be a string.' })
      if (input.metadata !== undefined) requireJson(input.metadata, 'knowledge.putSummary: metadata')
      const data: Stored<Summary> = compact({
        version: 1 as const,
        id: input.id === undefined ? newId() : requireId(input.id, 'knowledge.putSummary: id'),
        namespace: namespaceOf(input.namespace, 'putSummary'),
        subject: input.subject,
        text: input.text,
        metadata: input.metadata ?? {},
      })
      const { version: _version, ...summary } = await write<Stored<Summary> & Summary>(
        'summary',
        data.id,
        data.namespace,
        data,
      )
      return summary
    },
    getSummary: async (id) => getDecoded<Summary>('summary', requireId(id, 'knowledge.getSummary: id')),
    async listSummaries(options = {}) {
      const summaries = await listDecoded<Summary>('summary', namespaceOf(options.namespace, 'listSummaries'))
      return summaries.filter(
        (summary) => options.subject === undefined || summary.subject === options.subject,
      )
    },
    deleteSummary: async (id) => remove('summary', requireId(id, 'knowledge.deleteSummary: id')),

    async putEmbedding(input) {
      const id = requireId(input?.id, 'knowledge.putEmbedding: id')
      const namespace = namespaceOf(input.namespace, 'putEmbedding')
      const vector = checkVector(input.vector, 'knowledge.putEmbedding: vector')
      if (input.metadata !== undefined) requireJson(input.metadata, 'knowledge.putEmbedding: metadata')
      const data: Stored<Embedding> = compact({
        version: 1 as const,
        id,
        namespace,
        vector,
        text: input.text,
        metadata: input.metadata ?? {},
      })
      const { version: _version, ...embedding } = await write<Stored<Embedding> & Embedding>(
        'embedding',
        compositeKey(namespace, id),
        namespace,
        data,
        vector,
      )
      return embedding
    },
    getEmbedding: async (id, options = {}) =>
      getDecoded<Embedding>(
        'embedding',
        compositeKey(
          namespaceOf(options.namespace, 'getEmbedding'),
          requireId(id, 'knowledge.getEmbedding: id'),
        ),
      ),
    deleteEmbedding: async (id, options = {}) =>
      remove(
        'embedding',
        compositeKey(
          namespaceOf(options.namespace, 'deleteEmbedding'),
          requireId(id, 'knowledge.deleteEmbedding: id'),
        ),
      ),

    async search(input) {
      const vector = checkVector(input?.vector, 'knowledge.search: vector')
      const namespace = namespaceOf(input.namespace, 'search')
      const topK = limitOf(input.topK, 5, 'knowledge.search: topK')
      if (input.filter !== undefined) requireJson(input.filter, 'knowledge.search: filter')
      let scored = await driver.search?.({
        collection: 'embedding',
        group: namespace,
        vector,
        topK,
        ...(input.filter === undefined ? {} : { metadata: input.filter }),
      })
      if (scored === undefined) {
        // Scores from the raw records; only the hits kept are validated.
        scored = []
        for (const record of await driver.list('embedding', { group: namespace })) {
          const stored = record.data.vector
          if (!Array.isArray(stored) || stored.length !== vector.length) continue
          const metadata = record.data.metadata
          if (!matchesFilter((metadata ?? {}) as JsonObject, input.filter)) continue
          scored.push({ record, score: cosineSimilarity(vector, stored as number[]) })
        }
        scored.sort((left, right) => right.score - left.score)
      }
      const kept = scored
        .filter((hit) => input.minScore === undefined || hit.score >= input.minScore)
        .slice(0, topK)
      const matches: SimilarityMatch[] = []
      for (const hit of kept) {
        const embedding = withTimes<Embedding>(hit.record, await decodeRecord<Stored<Embedding>>(hit.record))
        matches.push({ embedding, score: hit.score })
      }
      return matches
    },
  }
}
