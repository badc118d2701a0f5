/**
 * The server's own records (API keys, stored agents, providers, owners) kept in the runtime's
 * storage through its store driver, under collections of their own (`server.*`). Each record is
 * JSON with a format `version`, validated by its zod schema when read back.
 *
 * @module
 */
import type { z } from 'zod'
import { ConfigError } from '../errors/errors.js'
import { storageDriverOf } from '../storage/create-storage.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import { StorageConflictError, StoredDataError } from '../storage/storage-errors.js'
import type { StoreDriver, StoredRecord, WriteOperation } from '../storage/store-driver.js'
import type { JsonObject } from '../util/json.js'

/** A typed collection of records. */
export interface RecordCollection<T extends { version: number }> {
  get(key: string): Promise<{ value: T; revision: number } | null>
  /** Writes a record: `expectedRevision` null = must not exist, a number = compare-and-set. */
  put(
    key: string,
    value: T,
    options?: { expectedRevision?: number | null; indexes?: readonly string[]; order?: number },
  ): Promise<number>
  delete(key: string): Promise<boolean>
  /** Records in `order` order (newest first with `descending`), by index value or all. */
  list(options?: {
    index?: string
    limit?: number
    descending?: boolean
    after?: { order: number; key: string }
  }): Promise<{ key: string; order: number; value: T }[]>
}

/** The driver the server stores its records with: the runtime storage's, or a memory one. */
export function serverDriver(storage: Storage | undefined): StoreDriver {
  const driver = storage === undefined ? undefined : storageDriverOf(storage)
  if (driver !== undefined) return driver
  if (storage !== undefined) {
    throw new ConfigError({
      message: `createServer: the runtime's storage (${storage.backend}) was not built with createStorage(driver), so the server cannot keep its keys, agents and providers in it. Use createMemoryStorage(), createSqliteStorage, createPostgresStorage or createRedisStorage.`,
    })
  }
  const fallback = storageDriverOf(createMemoryStorage())
  if (fallback === undefined) throw new ConfigError({ message: 'createServer: no memory driver.' })
  return fallback
}

/** A collection of records of one schema. */
export function recordCollection<T extends { version: number }>(
  driver: StoreDriver,
  collection: string,
  schema: z.ZodType<T>,
): RecordCollection<T> {
  const decode = (record: StoredRecord): T => {
    const parsed = schema.safeParse(record.data)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new StoredDataError({
        message: `Stored ${collection} "${record.key}" is unreadable: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}. Repair or delete the record.`,
        collection,
        key: record.key,
      })
    }
    return parsed.data
  }
  return {
    async get(key) {
      const record = await driver.get(collection, key)
      return record === null ? null : { value: decode(record), revision: record.revision }
    },
    async put(key, value, options = {}) {
      const operation: WriteOperation = {
        type: 'put',
        collection,
        key,
        group: '',
        order: options.order ?? Date.now(),
        data: value as unknown as JsonObject,
        keepPosition: true,
        ...(options.indexes === undefined ? {} : { indexes: options.indexes }),
        ...(options.expectedRevision === undefined ? {} : { expectedRevision: options.expectedRevision }),
      }
      const result = await driver.commit([operation], Date.now())
      if (!result.ok) {
        throw new StorageConflictError({
          collection,
          key,
          expectedRevision: options.expectedRevision ?? null,
          actualRevision: result.actualRevision,
        })
      }
      return result.revisions[0] ?? 0
    },
    async delete(key) {
      const existing = await driver.get(collection, key)
      if (existing === null) return false
      await driver.commit([{ type: 'delete', collection, key }], Date.now())
      return true
    },
    async list(options = {}) {
      const records = await driver.list(collection, {
        ...(options.index === undefined ? {} : { index: options.index }),
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.after === undefined ? {} : { after: options.after }),
        descending: options.descending ?? false,
      })
      return records.map((record) => ({ key: record.key, order: record.order, value: decode(record) }))
    },
  }
}
