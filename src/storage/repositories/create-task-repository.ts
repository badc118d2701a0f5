import { ConfigError } from '../../errors/errors.js'
import type { JsonObject } from '../../util/json.js'
import { decodeRecord, decodeRecords } from '../record-codec.js'
import { RecordNotFoundError, StorageConflictError } from '../storage-errors.js'
import type { StoreDriver, StoredRecord } from '../store-driver.js'
import {
  TASK_STATUSES,
  type Task,
  type TaskChanges,
  type TaskRepository,
  type TaskStatus,
} from '../task-repository.js'
import { commitOrThrow, compact, limitOf, newId, requireId, requireJson, retryOnConflict } from './shared.js'

type StoredTask = Omit<Task, 'revision' | 'createdAt' | 'updatedAt'> & { version: 1 }

const statuses = new Set<string>(TASK_STATUSES)

function toTask(record: StoredRecord, data: StoredTask): Task {
  const { version: _version, ...task } = data
  return { ...task, revision: record.revision, createdAt: record.createdAt, updatedAt: record.updatedAt }
}

function checkChanges(
  changes: Omit<TaskChanges, 'dependsOn'> & { dependsOn?: readonly string[] | undefined },
  method: string,
): void {
  if (changes.status !== undefined && !statuses.has(changes.status)) {
    throw new ConfigError({
      message: `tasks.${method}: status must be pending, running, completed, failed or cancelled; got ${JSON.stringify(changes.status)}.`,
    })
  }
  if (changes.description !== undefined && typeof changes.description !== 'string') {
    throw new ConfigError({
      message: `tasks.${method}: description must be a string; got ${JSON.stringify(changes.description)}.`,
    })
  }
  if (changes.priority !== undefined && !Number.isFinite(changes.priority)) {
    throw new ConfigError({
      message: `tasks.${method}: priority must be a finite number; got ${changes.priority}.`,
    })
  }
  if (changes.dueAt !== undefined && !Number.isFinite(changes.dueAt)) {
    throw new ConfigError({
      message: `tasks.${method}: dueAt must be a time in ms since the epoch; got ${changes.dueAt}.`,
    })
  }
  if (changes.attempts !== undefined && !(Number.isInteger(changes.attempts) && changes.attempts >= 0)) {
    throw new ConfigError({
      message: `tasks.${method}: attempts must be a non-negative integer; got ${changes.attempts}.`,
    })
  }
  if (changes.dependsOn !== undefined) {
    if (!Array.isArray(changes.dependsOn))
      throw new ConfigError({ message: `tasks.${method}: dependsOn must be an array of task ids.` })
    changes.dependsOn.forEach((id, index) => {
      requireId(id, `tasks.${method}: dependsOn[${index}]`)
    })
  }
  for (const field of ['input', 'result', 'checkpoint', 'metadata', 'lastError'] as const) {
    if (changes[field] !== undefined) requireJson(changes[field], `tasks.${method}: ${field}`)
  }
}

function put(data: StoredTask, order: number, expectedRevision: number | null) {
  return {
    type: 'put' as const,
    collection: 'task',
    key: data.id,
    group: data.namespace,
    order,
    data: data as unknown as JsonObject,
    expectedRevision,
  }
}

/** The tasks repository over a store driver. */
export function createTaskRepository(driver: StoreDriver): TaskRepository {
  async function load(id: string) {
    const record = await driver.get('task', id)
    return record === null ? null : { record, data: await decodeRecord<StoredTask>(record) }
  }

  return {
    async create(input) {
      if (input === null || typeof input !== 'object')
        throw new ConfigError({ message: 'tasks.create: pass { title, ... }.' })
      if (typeof input.title !== 'string')
        throw new ConfigError({ message: 'tasks.create: title must be a string.' })
      checkChanges(input, 'create')
      const id = input.id === undefined ? newId() : requireId(input.id, 'tasks.create: id')
      const data: StoredTask = compact({
        version: 1,
        id,
        namespace:
          input.namespace === undefined ? 'default' : requireId(input.namespace, 'tasks.create: namespace'),
        title: input.title,
        description: input.description,
        status: input.status ?? 'pending',
        priority: input.priority ?? 0,
        dependsOn: [...(input.dependsOn ?? [])],
        dueAt: input.dueAt,
        input: input.input,
        attempts: 0,
        metadata: input.metadata,
      })
      const now = Date.now()
      const [revision] = await commitOrThrow(driver, [put(data, now, null)], now)
      return toTask({ revision, createdAt: now, updatedAt: now } as StoredRecord, data)
    },

    async get(id) {
      const task = await load(requireId(id, 'tasks.get: id'))
      return task === null ? null : toTask(task.record, task.data)
    },

    async update(id, changes, options = {}) {
      requireId(id, 'tasks.update: id')
      const attempt = async () => {
        const task = await load(id)
        if (task === null) {
          throw new RecordNotFoundError({
            collection: 'task',
            key: id,
            message: `tasks.update: no task "${id}" in the store. Create it with tasks.create().`,
          })
        }
        const current = toTask(task.record, task.data)
        const patch = typeof changes === 'function' ? changes(current) : changes
        checkChanges(patch, 'update')
        const data: StoredTask = compact({
          ...task.data,
          ...patch,
          version: 1,
          id,
          namespace: task.data.namespace,
        })
        if (options.expectedRevision !== undefined && options.expectedRevision !== task.record.revision) {
          throw new StorageConflictError({
            collection: 'task',
            key: id,
            expectedRevision: options.expectedRevision,
            actualRevision: task.record.revision,
          })
        }
        const now = Date.now()
        const [revision] = await commitOrThrow(
          driver,
          [put(data, task.record.order, options.expectedRevision ?? task.record.revision)],
          now,
        )
        return toTask({ ...task.record, revision: revision as number, updatedAt: now }, data)
      }
      return options.expectedRevision === undefined ? retryOnConflict(attempt) : attempt()
    },

    async list(options = {}) {
      const wanted =
        options.status === undefined
          ? undefined
          : new Set<string>(typeof options.status === 'string' ? [options.status] : options.status)
      const records = await driver.list('task', { group: options.namespace ?? 'default' })
      const decoded = await decodeRecords<StoredTask>(records)
      return decoded
        .map((data, index) => toTask(records[index] as StoredRecord, data))
        .filter((task) => wanted === undefined || wanted.has(task.status))
    },

    async ready(options = {}) {
      const limit = limitOf(options.limit, Number.POSITIVE_INFINITY, 'tasks.ready: limit')
      const all = await this.list({ namespace: options.namespace ?? 'default' })
      const statusOf = new Map<string, TaskStatus>(all.map((task) => [task.id, task.status]))
      const ready: Task[] = []
      for (const task of all) {
        if (task.status !== 'pending') continue
        let satisfied = true
        for (const dependency of task.dependsOn) {
          let status = statusOf.get(dependency)
          if (status === undefined) {
            // a dependency in another namespace
            status = (await load(dependency))?.data.status
            if (status !== undefined) statusOf.set(dependency, status)
          }
          if (status !== 'completed') {
            satisfied = false
            break
          }
        }
        if (satisfied) ready.push(task)
      }
      ready.sort(
        (left, right) =>
          right.priority - left.priority ||
          (left.dueAt ?? Number.POSITIVE_INFINITY) - (right.dueAt ?? Number.POSITIVE_INFINITY) ||
          left.createdAt - right.createdAt,
      )
      return ready.slice(0, limit)
    },

    async delete(id) {
      requireId(id, 'tasks.delete: id')
      const existing = await driver.get('task', id)
      await commitOrThrow(driver, [{ type: 'delete', collection: 'task', key: id }])
      return existing !== null
    },
  }
}
