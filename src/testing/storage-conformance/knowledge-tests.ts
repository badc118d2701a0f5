import assert from 'node:assert/strict'
import { FACT_TYPES } from '../../storage/knowledge-repository.js'
import { rejectsWith, type SuiteContext } from './suite-context.js'

export function knowledgeTests({ describe, it }: SuiteContext): void {
  describe('knowledge', () => {
    it('stores typed facts and summaries per namespace', async (storage) => {
      const fact = await storage.knowledge.putFact({
        type: 'preference',
        subject: 'ana',
        content: { likes: 'tea' },
        confidence: 0.9,
      })
      await storage.knowledge.putFact({ id: 'f2', type: 'entity', subject: 'lisbon', content: 'a city' })
      await storage.knowledge.putFact({ id: 'f3', namespace: 'other', type: 'entity', content: 'elsewhere' })
      assert.equal(fact.namespace, 'default')
      assert.deepEqual((await storage.knowledge.getFact(fact.id))?.content, { likes: 'tea' })
      assert.equal((await storage.knowledge.getFact(fact.id))?.confidence, 0.9)
      assert.deepEqual(
        (await storage.knowledge.listFacts({ type: 'entity' })).map((item) => item.id),
        ['f2'],
      )
      assert.deepEqual(
        (await storage.knowledge.listFacts({ subject: 'ana' })).map((item) => item.id),
        [fact.id],
      )
      assert.deepEqual(
        (await storage.knowledge.listFacts({ namespace: 'other' })).map((item) => item.id),
        ['f3'],
      )
      await storage.knowledge.putFact({ id: 'f2', type: 'entity', subject: 'lisbon', content: 'the capital' })
      assert.equal((await storage.knowledge.getFact('f2'))?.content, 'the capital')
      assert.equal(await storage.knowledge.deleteFact('f2'), true)
      assert.equal(await storage.knowledge.getFact('f2'), null)

      const summary = await storage.knowledge.putSummary({
        subject: 'session-1',
        text: 'They planned a trip.',
        metadata: { turns: 12 },
      })
      assert.deepEqual((await storage.knowledge.getSummary(summary.id))?.metadata, { turns: 12 })
      assert.equal((await storage.knowledge.listSummaries({ subject: 'session-1' })).length, 1)
      assert.equal(await storage.knowledge.deleteSummary(summary.id), true)
      assert.equal(await storage.knowledge.getSummary(summary.id), null)
    })

    it('finds the top-k most similar embeddings by cosine, best first, filtered by namespace and metadata', async (storage) => {
      const put = (id: string, vector: number[], metadata: Record<string, string> = {}, namespace?: string) =>
        storage.knowledge.putEmbedding({
          id,
          vector,
          metadata,
          text: `text of ${id}`,
          ...(namespace ? { namespace } : {}),
        })
      await put('x', [1, 0, 0], { lang: 'en' })
      await put('xy', [1, 1, 0], { lang: 'pt' })
      await put('y', [0, 1, 0], { lang: 'en' })
      await put('minus-x', [-1, 0, 0], { lang: 'en' })
      await put('near-x', [0.9, 0.1, 0], { lang: 'en', kind: 'note' })
      await put('other-ns', [1, 0, 0], {}, 'elsewhere')
      await put('two-dims', [1, 0])
      const hits = await storage.knowledge.search({ vector: [1, 0, 0], topK: 4 })
      assert.deepEqual(
        hits.map((hit) => hit.embedding.id),
        ['x', 'near-x', 'xy', 'y'],
      )
      assert.ok(Math.abs((hits[0]?.score ?? 0) - 1) < 1e-6)
      assert.ok(Math.abs((hits[2]?.score ?? 0) - Math.SQRT1_2) < 1e-6)
      assert.equal(hits[0]?.embedding.text, 'text of x')
      assert.deepEqual(hits[0]?.embedding.vector, [1, 0, 0])
      assert.deepEqual(
        (await storage.knowledge.search({ vector: [1, 0, 0], filter: { lang: 'en' } })).map(
          (hit) => hit.embedding.id,
        ),
        ['x', 'near-x', 'y', 'minus-x'],
      )
      assert.deepEqual(
        (await storage.knowledge.search({ vector: [1, 0, 0], filter: { lang: 'en', kind: 'note' } })).map(
          (hit) => hit.embedding.id,
        ),
        ['near-x'],
      )
      assert.deepEqual(
        (await storage.knowledge.search({ vector: [1, 0, 0], minScore: 0.5 })).map((hit) => hit.embedding.id),
        ['x', 'near-x', 'xy'],
      )
      assert.deepEqual(
        (await storage.knowledge.search({ vector: [1, 0, 0], namespace: 'elsewhere' })).map(
          (hit) => hit.embedding.id,
        ),
        ['other-ns'],
      )
      await put('y', [1, 0.01, 0], { lang: 'en' })
      assert.equal((await storage.knowledge.search({ vector: [0, 1, 0], topK: 1 }))[0]?.embedding.id, 'xy')
      assert.deepEqual((await storage.knowledge.getEmbedding('y'))?.vector, [1, 0.01, 0])
      assert.equal(await storage.knowledge.deleteEmbedding('y'), true)
      assert.equal(await storage.knowledge.getEmbedding('y'), null)
      assert.deepEqual(await storage.knowledge.search({ vector: [1, 0, 0], namespace: 'empty' }), [])
      await rejectsWith(
        storage.knowledge.putEmbedding({ id: 'bad', vector: [1, Number.NaN] }),
        'ConfigError',
        /vector\[1\]/,
      )
      await rejectsWith(storage.knowledge.search({ vector: [] }), 'ConfigError', /vector/)
    })

    it('offers the predefined fact types as constants and accepts custom ones', async (storage) => {
      await storage.knowledge.putFact({ type: FACT_TYPES.preference, subject: 'ana', content: 'tea' })
      await storage.knowledge.putFact({ type: FACT_TYPES.project, content: 'agentloop' })
      await storage.knowledge.putFact({ type: 'recipe', content: 'soup' })
      assert.deepEqual(Object.values(FACT_TYPES), ['user', 'project', 'preference', 'context', 'custom'])
      assert.deepEqual(
        (await storage.knowledge.listFacts({ type: FACT_TYPES.preference })).map((fact) => fact.content),
        ['tea'],
      )
      assert.deepEqual(
        (await storage.knowledge.listFacts({ type: 'recipe' })).map((fact) => fact.type),
        ['recipe'],
      )
    })
  })
}
