import assert from 'node:assert/strict'
import type { PutOperation, StoreDriver } from '../../storage/store-driver.js'
import { driverOf } from './general-tests.js'
import type { SuiteContext } from './suite-context.js'

const put = (key: string, order: number, extra: Partial<PutOperation> = {}): PutOperation => ({
  type: 'put',
  collection: 'probe',
  key,
  group: 'g',
  order,
  data: { version: 1, key },
  ...extra,
})

async function commit(driver: StoreDriver, operations: PutOperation[]): Promise<void> {
  const result = await driver.commit(operations, Date.now())
  assert.equal(result.ok, true)
}

const keys = (records: readonly { key: string }[]) => records.map((record) => record.key)

/** The driver-level contract the repositories rely on for paging, indexes and parent chains. */
export function driverTests({ describe, it }: SuiteContext): void {
  describe('store driver', () => {
    it('lists pages after a position, both directions, by group and by index value', async (storage) => {
      const driver = driverOf(storage)
      // equal orders are ordered by key (byte order); 'é' and an astral character sort after ASCII
      await commit(driver, [
        put('a', 1, { indexes: ['odd'] }),
        put('b', 2, { indexes: ['even'] }),
        put('c', 2, { indexes: ['even', 'c'] }),
        put('é', 2, { indexes: ['even'] }),
        put('😀', 2, { indexes: ['even'] }),
        put('d', 3, { indexes: ['odd'], group: 'h' }),
      ])
      assert.deepEqual(keys(await driver.list('probe')), ['a', 'b', 'c', 'é', '😀', 'd'])
      assert.deepEqual(keys(await driver.list('probe', { descending: true, limit: 3 })), ['d', '😀', 'é'])
      assert.deepEqual(
        keys(await driver.list('probe', { descending: true, limit: 2, after: { order: 2, key: 'é' } })),
        ['c', 'b'],
      )
      assert.deepEqual(keys(await driver.list('probe', { limit: 2, after: { order: 2, key: 'c' } })), [
        'é',
        '😀',
      ])
      // a position whose record is gone still works
      assert.deepEqual(keys(await driver.list('probe', { after: { order: 2, key: 'bb' } })), [
        'c',
        'é',
        '😀',
        'd',
      ])
      assert.deepEqual(keys(await driver.list('probe', { index: 'even', descending: true })), [
        '😀',
        'é',
        'c',
        'b',
      ])
      assert.deepEqual(
        keys(await driver.list('probe', { index: 'even', after: { order: 2, key: 'c' }, limit: 1 })),
        ['é'],
      )
      assert.deepEqual(keys(await driver.list('probe', { group: 'g', descending: true, limit: 1 })), ['😀'])
      assert.deepEqual(keys(await driver.list('probe', { index: 'odd' })), ['a', 'd'])
      assert.deepEqual(keys(await driver.list('probe', { index: 'none' })), [])
    })

    it('moves index entries when the values change, keeps them when undefined, drops them on delete', async (storage) => {
      const driver = driverOf(storage)
      await commit(driver, [
        put('r1', 10, { indexes: ['s:running'] }),
        put('r2', 20, { indexes: ['s:running'] }),
      ])
      await commit(driver, [
        put('r1', 99, { indexes: ['s:completed'], keepPosition: true, expectedRevision: 1 }),
      ])
      assert.deepEqual(keys(await driver.list('probe', { index: 's:running' })), ['r2'])
      const [completed] = await driver.list('probe', { index: 's:completed' })
      assert.equal(completed?.key, 'r1')
      assert.equal(completed?.order, 10, 'keepPosition keeps the order, in the index too')
      // indexes undefined: the values stay
      await commit(driver, [put('r1', 10, { keepPosition: true })])
      assert.deepEqual(keys(await driver.list('probe', { index: 's:completed' })), ['r1'])
      // a new order moves the entry
      await commit(driver, [put('r2', 5, { indexes: ['s:running'] })])
      assert.equal((await driver.list('probe', { index: 's:running' }))[0]?.order, 5)
      const deleted = await driver.commit([{ type: 'delete', collection: 'probe', key: 'r1' }], Date.now())
      assert.equal(deleted.ok, true)
      assert.deepEqual(await driver.list('probe', { index: 's:completed' }), [])
      await driver.commit([{ type: 'deleteGroup', collection: 'probe', group: 'g' }], Date.now())
      assert.deepEqual(await driver.list('probe', { index: 's:running' }), [])
    })

    it('walks a parent chain nearest first, bounded, stopping at a missing parent or a cycle', async (storage) => {
      const driver = driverOf(storage)
      await commit(driver, [
        put('m1', 1),
        put('m2', 2, { parent: 'm1' }),
        put('m3', 3, { parent: 'm2' }),
        put('side', 4, { parent: 'm1' }),
        put('orphan', 5, { parent: 'gone' }),
        put('x', 6, { parent: 'y' }),
        put('y', 7, { parent: 'x' }),
      ])
      assert.deepEqual(keys(await driver.ancestors('probe', 'm3')), ['m3', 'm2', 'm1'])
      assert.deepEqual(keys(await driver.ancestors('probe', 'side')), ['side', 'm1'])
      assert.deepEqual(keys(await driver.ancestors('probe', 'm3', { limit: 2 })), ['m3', 'm2'])
      assert.deepEqual(keys(await driver.ancestors('probe', 'orphan')), ['orphan'])
      assert.deepEqual(keys(await driver.ancestors('probe', 'x', { limit: 10 })), ['x', 'y'])
      assert.deepEqual(await driver.ancestors('probe', 'missing'), [])
      const [m2] = await driver.ancestors('probe', 'm2')
      assert.deepEqual(m2?.data, { version: 1, key: 'm2' })
    })

    it('keeps concurrent batches independent: one failed compare-and-set fails only its own batch', async (storage) => {
      const driver = driverOf(storage)
      await commit(driver, [put('shared', 1)])
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          driver.commit(
            [
              put(`own-${index}`, 1),
              // every batch but one expects a revision the record does not have
              put('shared', 1, { expectedRevision: index === 7 ? 1 : 99 }),
            ],
            Date.now(),
          ),
        ),
      )
      assert.deepEqual(
        results.map((result) => result.ok),
        results.map((_, index) => index === 7),
      )
      const failed = results[0]
      assert.ok(failed !== undefined && !failed.ok && failed.index === 1 && failed.actualRevision === 1)
      assert.deepEqual(keys(await driver.list('probe', { descending: false })), ['own-7', 'shared'])
      assert.equal((await driver.get('probe', 'shared'))?.revision, 2)
    })
  })
}
