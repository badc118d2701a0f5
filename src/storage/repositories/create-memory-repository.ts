import { ConfigError } from '../../errors/errors.js'
import type { JsonObject, JsonValue } from '../../util/json.js'
import type { MemoryEntry, MemoryRepository, MemoryScope, MemoryTarget } from '../memory-repository.js'
import { decodeRecord, decodeRecords } from '../record-codec.js'
import type { StoreDriver, StoredRecord } from '../store-driver.js'
import { commitOrThrow, compositeKey, requireId, requireJson, retryOnConflict } from './shared.js'

interface StoredMemory {
  version: 1
  scope: MemoryScope
  scopeId: string | null
  key: string
  value: JsonValue
}

interface StoredPreferences {
  version: 1
  scope: MemoryScope
  scopeId: string | null
  values: JsonObject
}

const scopes = new Set<string>(['global', 'project', 'session', 'user'])

/** Checks a scope and returns its group key. */
function groupOf(target: MemoryTarget, method: string): { group: string; scopeId: string | null } {
  if (!scopes.has(target?.scope)) {
    throw new ConfigError({
      message: `memory.${method}: scope must be 'global', 'project', 'session' or 'user'; got ${JSON.stringify(target?.scope)}.`,
    })
  }
  if (target.scope === 'global') {
    if (target.scopeId !== undefined) {
      throw new ConfigError({ message: `memory.${method}: the global scope takes no scopeId; remove it.` })
    }
    return { group: compositeKey('global'), scopeId: null }
  }
  const scopeId = requireId(target.scopeId, `memory.${method}: scopeId (the ${target.scope} id)`)
  return { group: compositeKey(target.scope, scopeId), scopeId }
}

function toEntry(record: StoredRecord, data: StoredMemory): MemoryEntry {
  return {
    scope: data.scope,
    scopeId: data.scopeId,
    key: data.key,
    value: data.value,
    expiresAt: record.expiresAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  }
}

/** The memory repository over a store driver. */
export function createMemoryRepository(driver: StoreDriver): MemoryRepository {
  return {
    async set(input) {
      const { group, scopeId } = groupOf(input, 'set')
      const key = requireId(input.key, 'memory.set: key')
      if (input.value === undefined)
        throw new ConfigError({ message: 'memory.set: value is required (use null for "nothing").' })
      requireJson(input.value, 'memory.set: value')
      if (input.ttlMs !== undefined && !(Number.isFinite(input.ttlMs) && input.ttlMs > 0)) {
        throw new ConfigError({
          message: `memory.set: ttlMs must be a positive number of milliseconds; got ${input.ttlMs}.`,
        })
      }
      const now = Date.now()
      const expiresAt = input.ttlMs === undefined ? null : now + input.ttlMs
      const data: StoredMemory = { version: 1, scope: input.scope, scopeId, key, value: input.value }
      await commitOrThrow(
        driver,
        [
          {
            type: 'put',
            collection: 'memory',
            key: compositeKey(group, key),
            group,
            order: 0,
            data: data as unknown as JsonObject,
            expiresAt,
          },
        ],
        now,
      )
      const stored = await driver.get('memory', compositeKey(group, key))
      return {
        scope: input.scope,
        scopeId,
        key,
        value: input.value,
        expiresAt,
        createdAt: stored?.createdAt ?? now,
        updatedAt: now,
      }
    },

    async get(input) {
      const { group } = groupOf(input, 'get')
      const key = requireId(input.key, 'memory.get: key')
      const record = await driver.get('memory', compositeKey(group, key))
      return record === null ? null : toEntry(record, await decodeRecord<StoredMemory>(record))
    },

    async delete(input) {
      const { group } = groupOf(input, 'delete')
      const key = compositeKey(group, requireId(input.key, 'memory.delete: key'))
      const existing = await driver.get('memory', key)
      await commitOrThrow(driver, [{ type: 'delete', collection: 'memory', key }])
      return existing !== null
    },

    async list(input) {
      const { group } = groupOf(input, 'list')
      const records = await driver.list('memory', { group })
      const decoded = await decodeRecords<StoredMemory>(records)
      const entries = decoded
        .map((data, index) => toEntry(records[index] as StoredRecord, data))
        .filter((entry) => input.prefix === undefined || entry.key.startsWith(input.prefix))
      return entries.sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0))
    },

    async clear(input) {
      const { group } = groupOf(input, 'clear')
      const live = await driver.list('memory', { group })
      await commitOrThrow(driver, [{ type: 'deleteGroup', collection: 'memory', group }])
      return live.length
    },

    async getPreferences(target) {
      const { group } = groupOf(target, 'getPreferences')
      const record = await driver.get('preference', group)
      return record === null ? {} : (await decodeRecord<StoredPreferences>(record)).values
    },

    async setPreferences(target, values) {
      const { group, scopeId } = groupOf(target, 'setPreferences')
      if (values === null || typeof values !== 'object' || Array.isArray(values)) {
        throw new ConfigError({
          message: 'memory.setPreferences: values must be an object of preference names to JSON values.',
        })
      }
      requireJson(values, 'memory.setPreferences: values')
      return retryOnConflict(async () => {
        const record = await driver.get('preference', group)
        const current = record === null ? {} : (await decodeRecord<StoredPreferences>(record)).values
        const merged: JsonObject = { ...current }
        for (const [name, value] of Object.entries(values)) {
          if (value === null) delete merged[name]
          else if (value !== undefined) merged[name] = value
        }
        const data: StoredPreferences = { version: 1, scope: target.scope, scopeId, values: merged }
        await commitOrThrow(driver, [
          {
            type: 'put',
            collection: 'preference',
            key: group,
            group: '',
            order: 0,
            data: data as unknown as JsonObject,
            expectedRevision: record === null ? null : record.revision,
          },
        ])
        return merged
      })
    },
  }
}
