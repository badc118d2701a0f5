import { StorageError } from '../storage-errors.js'
import type {
  AncestorOptions,
  CommitResult,
  ListOptions,
  StoreDriver,
  WriteOperation,
} from '../store-driver.js'
import { ancestorRecords, getRecord, listRecords, type MemoryRow } from './memory-rows.js'
import { stageBatch } from './stage-batch.js'

/**
 * The in-process store: maps of JSON text. A commit runs synchronously, so it is atomic and
 * isolated by construction. Nothing survives the process.
 */
export function createMemoryDriver(): StoreDriver {
  const collections = new Map<string, Map<string, MemoryRow>>()
  let closed = false

  const collectionOf = (name: string) => {
    let collection = collections.get(name)
    if (collection === undefined) {
      collection = new Map()
      collections.set(name, collection)
    }
    return collection
  }

  const checkOpen = () => {
    if (closed) throw new StorageError({ message: 'This memory storage was closed; create a new one.' })
  }

  return {
    name: 'memory',

    async get(collection, key) {
      checkOpen()
      return getRecord(collections.get(collection) ?? new Map(), collection, key, Date.now())
    },

    async list(collection, options: ListOptions = {}) {
      checkOpen()
      return listRecords(collections.get(collection) ?? new Map(), collection, options, Date.now())
    },

    async ancestors(collection, key, options: AncestorOptions = {}) {
      checkOpen()
      const rows = collections.get(collection)
      return ancestorRecords((next) => rows?.get(next), collection, key, options, Date.now())
    },

    async commit(operations: readonly WriteOperation[], now: number): Promise<CommitResult> {
      checkOpen()
      // Check every condition against the state as the batch would leave it, then apply: a commit
      // runs synchronously, so it is atomic and isolated by construction.
      const result = stageBatch(operations, collections, now)
      if (!result.ok) return result
      for (const [name, view] of result.staged) {
        const collection = collectionOf(name)
        for (const [key, row] of view) {
          if (row === null) collection.delete(key)
          else collection.set(key, row)
        }
      }
      return { ok: true, revisions: result.revisions }
    },

    async close() {
      closed = true
      collections.clear()
    },
  }
}
