import assert from 'node:assert/strict'
import { storageDriverOf } from '../../storage/create-storage.js'
import type { Storage } from '../../storage/storage.js'
import type { StoreDriver } from '../../storage/store-driver.js'
import { sampleSnapshot } from './run-tests.js'
import { rejectsWith, type SuiteContext } from './suite-context.js'

/** Text in many scripts: emoji (with ZWJ sequences and skin tones), RTL, combining marks, astral characters. */
export const UNICODE_SAMPLES = [
  'emoji 😀👩🏽‍💻🏳️‍🌈 family 👨‍👩‍👧‍👦',
  'RTL العربية עברית mixed with LTR',
  'combining: e\u0301 a\u0308 n\u0303, zero width: a\u200bb\u200dc',
  'astral: 𝕬𝖌𝖊𝖓𝖙 𠜎𠜱 🀄',
  'CJK 日本語の文章 and 한국어',
  'quotes \' " ` backslash \\ newline \n tab \t',
  '\u2028 line separator \u2029 paragraph separator',
]

export function driverOf(storage: Storage): StoreDriver {
  const driver = storageDriverOf(storage)
  if (driver === undefined) throw new Error('This test needs a storage made by createStorage(driver).')
  return driver
}

export function generalTests({ describe, it }: SuiteContext): void {
  describe('values', () => {
    it('stores large values (several MB) intact', async (storage) => {
      const big = 'lorem ipsum dolor sit amet 😀 '.repeat(200_000) // about 6 MB of JSON
      const snapshot = { ...sampleSnapshot('big', 20), blob: big }
      await storage.runs.save({ runId: 'big', agentName: 'a', status: 'running', snapshot })
      const loaded = await storage.runs.load<typeof snapshot>('big')
      assert.equal(loaded?.snapshot.blob.length, big.length)
      assert.equal(loaded?.snapshot.blob, big)
      const value = Array.from({ length: 50_000 }, (_, index) => ({ index, text: `item ${index}` }))
      await storage.memory.set({ scope: 'global', key: 'big', value })
      assert.deepEqual((await storage.memory.get({ scope: 'global', key: 'big' }))?.value, value)
      await storage.sessions.append('big', [{ role: 'user', content: big.slice(0, 1_000_000) }])
      assert.equal((await storage.sessions.messages('big'))[0]?.content, big.slice(0, 1_000_000))
    })

    it('keeps unicode ids, keys and values exactly', async (storage) => {
      for (const [index, text] of UNICODE_SAMPLES.entries()) {
        const id = `id ${index} ${text.slice(0, 12)}`
        await storage.runs.save({
          runId: id,
          agentName: text,
          status: 'running',
          snapshot: { version: 1, text },
        })
        assert.equal((await storage.runs.load<{ version: 1; text: string }>(id))?.snapshot.text, text)
        assert.equal((await storage.runs.get(id))?.agentName, text)
        await storage.memory.set({ scope: 'user', scopeId: text, key: text, value: text })
        assert.equal((await storage.memory.get({ scope: 'user', scopeId: text, key: text }))?.value, text)
        await storage.sessions.append(id, [{ role: 'user', content: text }])
        assert.deepEqual(await storage.sessions.messages(id), [{ role: 'user', content: text }])
        await storage.knowledge.putFact({ id, type: text, content: { [text]: text } })
        assert.deepEqual((await storage.knowledge.getFact(id))?.content, { [text]: text })
      }
      assert.equal((await storage.runs.list({ agentName: UNICODE_SAMPLES[0] as string })).length, 1)
    })
  })

  describe('hostile data', () => {
    it('stores any JSON a model or tool produces: NUL characters and lone surrogates, in values and keys', async (storage) => {
      const hostile = 'nul \u0000 lone \udc00 high \ud800 pair 😀 mark \ufdd0 backslash \\u0000 end'
      const snapshot = { version: 1, text: hostile, nested: { [hostile]: [hostile, { deep: hostile }] } }
      await storage.runs.save({
        runId: 'hostile',
        agentName: 'a',
        status: 'running',
        snapshot,
        events: [{ type: 'tool.end', runId: 'hostile', seq: 1, time: 1, output: hostile } as never],
        metadata: { [hostile]: hostile },
      })
      const loaded = await storage.runs.load<typeof snapshot>('hostile')
      assert.deepEqual(loaded?.snapshot, snapshot)
      assert.deepEqual(loaded?.record.metadata, { [hostile]: hostile })
      const [stored] = await storage.runs.readEvents('hostile')
      assert.equal((stored as unknown as { output: string }).output, hostile)
      await storage.sessions.append('hostile', [
        { role: 'tool', callId: 'c', toolName: 't', content: hostile },
      ])
      assert.equal((await storage.sessions.messages('hostile'))[0]?.content, hostile)
      await storage.memory.set({ scope: 'global', key: 'hostile', value: { [hostile]: hostile } })
      assert.deepEqual((await storage.memory.get({ scope: 'global', key: 'hostile' }))?.value, {
        [hostile]: hostile,
      })
      await storage.knowledge.putEmbedding({ id: 'e', vector: [1, 0], metadata: { label: hostile } })
      const [found] = await storage.knowledge.search({ vector: [1, 0], filter: { label: hostile } })
      assert.equal(found?.embedding.id, 'e')
    })
  })

  describe('stored data', () => {
    it('refuses a record of a newer format version with a clear StoredDataError', async (storage) => {
      const driver = driverOf(storage)
      await driver.commit(
        [
          {
            type: 'put',
            collection: 'run',
            key: 'future',
            group: 'a',
            order: 1,
            data: { version: 99, runId: 'future' },
          },
          {
            type: 'put',
            collection: 'run-checkpoint',
            key: 'future',
            group: '',
            order: 1,
            data: { version: 99 },
          },
        ],
        Date.now(),
      )
      await rejectsWith(storage.runs.get('future'), 'StoredDataError', /format version 99.*Upgrade agentloop/)
      await rejectsWith(storage.runs.load('future'), 'StoredDataError')
    })

    it('refuses a corrupted record with a StoredDataError naming the field, without crashing', async (storage) => {
      const driver = driverOf(storage)
      await driver.commit(
        [
          {
            type: 'put',
            collection: 'task',
            key: 'bad',
            group: 'default',
            order: 1,
            data: {
              version: 1,
              id: 'bad',
              namespace: 'default',
              title: 'x',
              status: 'exploded',
              priority: 0,
              dependsOn: [],
              attempts: 0,
            },
          },
        ],
        Date.now(),
      )
      await rejectsWith(storage.tasks.get('bad'), 'StoredDataError', /status/)
      await storage.tasks.create({ id: 'good', title: 'fine' })
      assert.equal((await storage.tasks.get('good'))?.title, 'fine')
    })

    it('closes cleanly, more than once', async (storage) => {
      await storage.memory.set({ scope: 'global', key: 'k', value: 1 })
      await storage.close()
      await storage.close()
    })
  })
}
