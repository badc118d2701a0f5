import assert from 'node:assert/strict'
import { compositeKey } from '../../storage/repositories/shared.js'
import type { PutOperation, StoreDriver } from '../../storage/store-driver.js'
import { driverOf } from './general-tests.js'
import type { SuiteContext } from './suite-context.js'

/** A record of a collection read by group, keyed as the repositories key it: compositeKey(group, id). */
const put = (
  collection: 'run-event' | 'session-message',
  group: string,
  id: string,
  order: number,
  extra: Partial<PutOperation> = {},
): PutOperation => ({
  type: 'put',
  collection,
  key: compositeKey(group, id),
  group,
  order,
  data: { version: 1, id, text: `record ${id} `.repeat(extra.compress ? 20 : 1) },
  ...extra,
})

async function commit(driver: StoreDriver, operations: PutOperation[]): Promise<void> {
  const result = await driver.commit(operations, Date.now())
  assert.equal(result.ok, true)
}

/** The ids of records keyed compositeKey(group, id). */
const ids = (records: readonly { data: { id?: unknown } }[]) => records.map((record) => record.data.id)

/**
 * The collections a backend may store in a layout of its own because they are only read by group
 * (a run's events, a session's messages; SQLite does): the same driver contract as any other.
 */
export function groupCollectionTests({ describe, it }: SuiteContext): void {
  describe('store driver: collections read by group', () => {
    it('lists by group and across groups, in order then key, with positions, limits and compressed data', async (storage) => {
      const driver = driverOf(storage)
      await commit(driver, [
        put('run-event', 'run-1', 'a1', 1),
        put('run-event', 'run-1', 'a2', 2, { compress: true }),
        put('run-event', 'run-1', 'b2', 2),
        put('run-event', 'run-1', 'é2', 2),
        put('run-event', 'run-1', '😀2', 2, { compress: true }),
        put('run-event', 'run-2', 'a1', 1),
        put('run-event', 'run-2', 'z3', 3),
      ])
      assert.deepEqual(ids(await driver.list('run-event', { group: 'run-1' })), [
        'a1',
        'a2',
        'b2',
        'é2',
        '😀2',
      ])
      assert.deepEqual(ids(await driver.list('run-event', { group: 'run-1', descending: true, limit: 2 })), [
        '😀2',
        'é2',
      ])
      const after = { order: 2, key: compositeKey('run-1', 'b2') }
      assert.deepEqual(ids(await driver.list('run-event', { group: 'run-1', after })), ['é2', '😀2'])
      assert.deepEqual(ids(await driver.list('run-event', { group: 'run-1', after, descending: true })), [
        'a2',
        'a1',
      ])
      assert.deepEqual(ids(await driver.list('run-event', { group: 'run-1', afterOrder: 1, limit: 1 })), [
        'a2',
      ])
      // a position taken from another group orders by the whole key
      assert.deepEqual(
        ids(
          await driver.list('run-event', {
            group: 'run-2',
            after: { order: 1, key: compositeKey('run-1', 'zz') },
          }),
        ),
        ['a1', 'z3'],
      )
      // the whole collection: order, then the whole key (so run-1's records before run-2's at order 1)
      const all = await driver.list('run-event')
      assert.deepEqual(
        all.map((record) => [record.group, record.data.id]),
        [
          ['run-1', 'a1'],
          ['run-2', 'a1'],
          ['run-1', 'a2'],
          ['run-1', 'b2'],
          ['run-1', 'é2'],
          ['run-1', '😀2'],
          ['run-2', 'z3'],
        ],
      )
      assert.deepEqual(
        ids(
          await driver.list('run-event', {
            descending: true,
            after: { order: 1, key: compositeKey('run-2', 'a1') },
          }),
        ),
        ['a1'],
      )
      assert.deepEqual(await driver.list('run-event', { index: 'anything' }), [])
      // compressed or not, the record reads back whole, with its envelope
      const emoji = await driver.get('run-event', compositeKey('run-1', '😀2'))
      assert.equal(emoji?.key, compositeKey('run-1', '😀2'))
      assert.equal(emoji?.group, 'run-1')
      assert.equal(emoji?.order, 2)
      assert.equal(emoji?.revision, 1)
      assert.deepEqual(emoji?.data, { version: 1, id: '😀2', text: 'record 😀2 '.repeat(20) })
      assert.equal(await driver.get('run-event', compositeKey('run-3', 'a1')), null)
      assert.equal(await driver.get('run-event', 'not-a-composite-key'), null)
    })

    it('checks revisions, keeps positions, inserts if absent, restores envelopes and deletes by key or group', async (storage) => {
      const driver = driverOf(storage)
      const key = compositeKey('s', 'm1')
      await commit(driver, [
        put('session-message', 's', 'm1', 10, { expectedRevision: null, compress: true }),
      ])
      const conflict = await driver.commit(
        [put('session-message', 's', 'm1', 10, { expectedRevision: null })],
        Date.now(),
      )
      assert.deepEqual(conflict, { ok: false, index: 0, actualRevision: 1 })
      const skipped = await driver.commit(
        [put('session-message', 's', 'm1', 10, { ifAbsent: true })],
        Date.now(),
      )
      assert.deepEqual(skipped, { ok: true, revisions: [0] })
      await commit(driver, [
        put('session-message', 's', 'm1', 99, {
          expectedRevision: 1,
          keepPosition: true,
          data: { version: 1, id: 'm1', text: 'edited' },
        }),
      ])
      const edited = await driver.get('session-message', key)
      assert.equal(edited?.revision, 2)
      assert.equal(edited?.order, 10, 'keepPosition keeps the order')
      assert.deepEqual(edited?.data, { version: 1, id: 'm1', text: 'edited' })
      const stale = await driver.commit(
        [put('session-message', 's', 'm1', 10, { expectedRevision: 1 })],
        Date.now(),
      )
      assert.deepEqual(stale, { ok: false, index: 0, actualRevision: 2 })
      const missing = await driver.commit(
        [
          {
            type: 'check',
            collection: 'session-message',
            key: compositeKey('s', 'nope'),
            expectedRevision: 3,
          },
        ],
        Date.now(),
      )
      assert.deepEqual(missing, { ok: false, index: 0, actualRevision: null })
      await commit(driver, [put('session-message', 's', 'm1', 12, { expectedRevision: 2 })])
      assert.equal(
        (await driver.get('session-message', key))?.order,
        12,
        'a write without keepPosition moves it',
      )
      await commit(driver, [
        put('session-message', 's', 'm2', 20, { restore: { revision: 7, createdAt: 1000, updatedAt: 2000 } }),
        put('session-message', 's', 'gone', 30, { expiresAt: Date.now() - 1 }),
        put('session-message', 't', 'm1', 5),
      ])
      const restored = await driver.get('session-message', compositeKey('s', 'm2'))
      assert.deepEqual([restored?.revision, restored?.createdAt, restored?.updatedAt], [7, 1000, 2000])
      assert.equal(await driver.get('session-message', compositeKey('s', 'gone')), null, 'expired')
      assert.deepEqual(ids(await driver.list('session-message', { group: 's' })), ['m1', 'm2'])
      const wrongRevision = await driver.commit(
        [{ type: 'delete', collection: 'session-message', key, expectedRevision: 1 }],
        Date.now(),
      )
      assert.deepEqual(wrongRevision, { ok: false, index: 0, actualRevision: 3 })
      await driver.commit(
        [{ type: 'delete', collection: 'session-message', key, expectedRevision: 3 }],
        Date.now(),
      )
      assert.equal(await driver.get('session-message', key), null)
      await driver.commit([{ type: 'deleteGroup', collection: 'session-message', group: 's' }], Date.now())
      assert.deepEqual(await driver.list('session-message', { group: 's' }), [])
      assert.deepEqual(ids(await driver.list('session-message', { group: 't' })), ['m1'], 'other groups stay')
    })

    it('walks parent chains within a group', async (storage) => {
      const driver = driverOf(storage)
      const parent = (id: string) => ({ parent: compositeKey('chat', id) })
      await commit(driver, [
        put('session-message', 'chat', 'm1', 1, { compress: true }),
        put('session-message', 'chat', 'm2', 2, parent('m1')),
        put('session-message', 'chat', 'm3', 3, { ...parent('m2'), compress: true }),
        put('session-message', 'chat', 'side', 4, parent('m1')),
        put('session-message', 'chat', 'orphan', 5, parent('gone')),
        put('session-message', 'chat', 'x', 6, parent('y')),
        put('session-message', 'chat', 'y', 7, parent('x')),
      ])
      const chain = async (id: string, limit?: number) =>
        ids(await driver.ancestors('session-message', compositeKey('chat', id), limit ? { limit } : {}))
      assert.deepEqual(await chain('m3'), ['m3', 'm2', 'm1'])
      assert.deepEqual(await chain('side'), ['side', 'm1'])
      assert.deepEqual(await chain('m3', 2), ['m3', 'm2'])
      assert.deepEqual(await chain('orphan'), ['orphan'])
      assert.deepEqual(await chain('x', 10), ['x', 'y'])
      assert.deepEqual(await chain('missing'), [])
      const [first] = await driver.ancestors('session-message', compositeKey('chat', 'm1'))
      assert.equal(first?.key, compositeKey('chat', 'm1'))
      assert.equal(first?.group, 'chat')
    })
  })
}
