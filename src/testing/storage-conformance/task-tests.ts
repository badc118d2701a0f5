import assert from 'node:assert/strict'
import { rejectsWith, type SuiteContext } from './suite-context.js'

export function taskTests({ describe, it }: SuiteContext): void {
  describe('tasks', () => {
    it('creates, reads, updates, lists and deletes tasks with their checkpoint, attempts and last error', async (storage) => {
      const task = await storage.tasks.create({
        id: 't1',
        title: 'Fetch data',
        priority: 2,
        dueAt: 1_900_000_000_000,
        input: { url: 'x' },
      })
      assert.equal(task.status, 'pending')
      assert.equal(task.attempts, 0)
      assert.equal(task.revision, 1)
      const updated = await storage.tasks.update('t1', {
        status: 'failed',
        attempts: 1,
        checkpoint: { page: 4, cursor: 'abc' },
        lastError: { name: 'TimeoutError', message: 'took too long' },
      })
      assert.equal(updated.revision, 2)
      const loaded = await storage.tasks.get('t1')
      assert.deepEqual(loaded?.checkpoint, { page: 4, cursor: 'abc' })
      assert.deepEqual(loaded?.lastError, { name: 'TimeoutError', message: 'took too long' })
      assert.equal(loaded?.dueAt, 1_900_000_000_000)
      assert.deepEqual(loaded?.input, { url: 'x' })
      await storage.tasks.create({ id: 't2', title: 'Other', namespace: 'jobs' })
      assert.deepEqual(
        (await storage.tasks.list()).map((item) => item.id),
        ['t1'],
      )
      assert.deepEqual(
        (await storage.tasks.list({ namespace: 'jobs', status: 'pending' })).map((item) => item.id),
        ['t2'],
      )
      assert.deepEqual(await storage.tasks.list({ status: 'completed' }), [])
      assert.equal(await storage.tasks.delete('t1'), true)
      assert.equal(await storage.tasks.get('t1'), null)
      assert.equal(await storage.tasks.delete('t1'), false)
    })

    it('lists ready tasks (dependencies completed) by priority, then due date', async (storage) => {
      await storage.tasks.create({ id: 'done', title: 'done', status: 'completed' })
      await storage.tasks.create({ id: 'blocked', title: 'blocked', priority: 9, dependsOn: ['waiting'] })
      await storage.tasks.create({ id: 'waiting', title: 'waiting', priority: 1 })
      await storage.tasks.create({ id: 'low', title: 'low', priority: 0, dependsOn: ['done'] })
      await storage.tasks.create({ id: 'high-late', title: 'high late', priority: 5, dueAt: 2_000 })
      await storage.tasks.create({ id: 'high-soon', title: 'high soon', priority: 5, dueAt: 1_000 })
      await storage.tasks.create({ id: 'failed-dep', title: 'x', priority: 7, dependsOn: ['failed'] })
      await storage.tasks.create({ id: 'failed', title: 'failed', status: 'failed' })
      await storage.tasks.create({ id: 'orphan', title: 'x', priority: 8, dependsOn: ['no such task'] })
      assert.deepEqual(
        (await storage.tasks.ready()).map((task) => task.id),
        ['high-soon', 'high-late', 'waiting', 'low'],
      )
      assert.deepEqual(
        (await storage.tasks.ready({ limit: 1 })).map((task) => task.id),
        ['high-soon'],
      )
      await storage.tasks.update('waiting', { status: 'completed' })
      assert.equal((await storage.tasks.ready())[0]?.id, 'blocked')
    })

    it('applies concurrent read-modify-write updates without losing any', async (storage) => {
      await storage.tasks.create({ id: 't', title: 'count' })
      await Promise.all(
        Array.from({ length: 15 }, () =>
          storage.tasks.update('t', (task) => ({ attempts: task.attempts + 1 })),
        ),
      )
      assert.equal((await storage.tasks.get('t'))?.attempts, 15)
    })

    it('fails a stale update with StorageConflictError and unknown tasks with RecordNotFoundError', async (storage) => {
      await storage.tasks.create({ id: 't', title: 'x' })
      await storage.tasks.update('t', { priority: 1 }, { expectedRevision: 1 })
      await rejectsWith(
        storage.tasks.update('t', { priority: 2 }, { expectedRevision: 1 }),
        'StorageConflictError',
      )
      assert.equal((await storage.tasks.get('t'))?.priority, 1)
      await rejectsWith(storage.tasks.update('missing', { priority: 2 }), 'RecordNotFoundError', /missing/)
      await rejectsWith(storage.tasks.create({ id: 't', title: 'again' }), 'StorageConflictError')
      await rejectsWith(storage.tasks.update('t', { status: 'sleeping' as never }), 'ConfigError', /status/)
      assert.equal(await storage.tasks.get('missing'), null)
    })

    it('keeps a task description, changes it, and reads tasks stored without one', async (storage) => {
      const task = await storage.tasks.create({
        id: 'd1',
        title: 'Report',
        description: 'Monthly sales, by region',
      })
      assert.equal(task.description, 'Monthly sales, by region')
      assert.equal((await storage.tasks.get('d1'))?.description, 'Monthly sales, by region')
      const changed = await storage.tasks.update('d1', { description: 'Quarterly sales' })
      assert.equal(changed.description, 'Quarterly sales')
      assert.equal((await storage.tasks.create({ id: 'd2', title: 'No description' })).description, undefined)
      await rejectsWith(
        storage.tasks.create({ title: 'x', description: 42 as never }),
        'ConfigError',
        /description must be a string/,
      )
    })
  })
}
