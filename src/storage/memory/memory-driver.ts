import { encodeData, parseData } from '../record-codec.js'
import { StorageError } from '../storage-errors.js'
import type {
  AncestorOptions,
  CommitResult,
  ListOptions,
  StoreDriver,
  StoredRecord,
  WriteOperation,
} from '../store-driver.js'
import { comparePositions } from '../list-position.js'

interface Row {
  group: string
  order: number
  revision: number
  createdAt: number
  updatedAt: number
  expiresAt: number | null
  indexes: readonly string[]
  parent: string | null
  /** Kept as JSON text, so nothing a caller mutates later changes what is stored. */
  text: string
}

/**
 * The in-process store: maps of JSON text. A commit runs synchronously, so it is atomic and
 * isolated by construction. Nothing survives the process.
 */
export function createMemoryDriver(): StoreDriver {
  const collections = new Map<string, Map<string, Row>>()
  let closed = false

  const collectionOf = (name: string) => {
    let collection = collections.get(name)
    if (collection === undefined) {
      collection = new Map()
      collections.set(name, collection)
    }
    return collection
  }

  const live = (row: Row | undefined, now: number) =>
    row !== undefined && (row.expiresAt === null || row.expiresAt > now) ? row : undefined

  const toRecord = (collection: string, key: string, row: Row): StoredRecord => ({
    collection,
    key,
    group: row.group,
    order: row.order,
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    expiresAt: row.expiresAt,
    data: parseData(row.text, collection, key),
  })

  const checkOpen = () => {
    if (closed) throw new StorageError({ message: 'This memory storage was closed; create a new one.' })
  }

  return {
    name: 'memory',

    async get(collection, key) {
      checkOpen()
      const row = live(collections.get(collection)?.get(key), Date.now())
      return row === undefined ? null : toRecord(collection, key, row)
    },

    async list(collection, options: ListOptions = {}) {
      checkOpen()
      const now = Date.now()
      const rows: [string, Row][] = []
      const direction = options.descending ? -1 : 1
      for (const [key, row] of collections.get(collection) ?? []) {
        if (options.group !== undefined && row.group !== options.group) continue
        if (options.index !== undefined && !row.indexes.includes(options.index)) continue
        if (options.afterOrder !== undefined && row.order <= options.afterOrder) continue
        if (
          options.after !== undefined &&
          direction * comparePositions({ order: row.order, key }, options.after) <= 0
        )
          continue
        if (live(row, now) === undefined) continue
        rows.push([key, row])
      }
      rows.sort(
        ([leftKey, left], [rightKey, right]) =>
          direction *
          comparePositions({ order: left.order, key: leftKey }, { order: right.order, key: rightKey }),
      )
      const limited = options.limit === undefined ? rows : rows.slice(0, options.limit)
      return limited.map(([key, row]) => toRecord(collection, key, row))
    },

    async ancestors(collection, key, options: AncestorOptions = {}) {
      checkOpen()
      const now = Date.now()
      const rows = collections.get(collection)
      const result: StoredRecord[] = []
      const seen = new Set<string>()
      let current: string | null = key
      while (current !== null && !seen.has(current) && result.length < (options.limit ?? Infinity)) {
        const row = live(rows?.get(current), now)
        if (row === undefined) break
        seen.add(current)
        result.push(toRecord(collection, current, row))
        current = row.parent
      }
      return result
    },

    async commit(operations: readonly WriteOperation[], now: number): Promise<CommitResult> {
      checkOpen()
      // Check every condition against the state as the batch would leave it, then apply.
      const staged = new Map<string, Map<string, Row | undefined>>()
      const current = (collection: string, key: string) => {
        const view = staged.get(collection)
        return view?.has(key) ? view.get(key) : collections.get(collection)?.get(key)
      }
      const stage = (collection: string, key: string, row: Row | undefined) => {
        let view = staged.get(collection)
        if (view === undefined) {
          view = new Map()
          staged.set(collection, view)
        }
        view.set(key, row)
      }
      const revisions: number[] = []
      for (const [index, operation] of operations.entries()) {
        if (operation.type === 'deleteGroup') {
          for (const [key, row] of collections.get(operation.collection) ?? []) {
            if (row.group === operation.group) stage(operation.collection, key, undefined)
          }
          for (const [key, row] of staged.get(operation.collection) ?? []) {
            if (row?.group === operation.group) stage(operation.collection, key, undefined)
          }
          revisions.push(0)
          continue
        }
        const existing = current(operation.collection, operation.key)
        if (
          operation.expectedRevision !== undefined &&
          (existing?.revision ?? null) !== operation.expectedRevision
        ) {
          return { ok: false, index, actualRevision: existing?.revision ?? null }
        }
        if (operation.type === 'check') {
          revisions.push(0)
        } else if (operation.type === 'delete') {
          stage(operation.collection, operation.key, undefined)
          revisions.push(0)
        } else if (operation.ifAbsent && existing !== undefined) {
          revisions.push(0)
        } else {
          const revision = operation.restore?.revision ?? (existing?.revision ?? 0) + 1
          const keep =
            operation.keepPosition === true && existing !== undefined && operation.restore === undefined
          stage(operation.collection, operation.key, {
            group: keep ? existing.group : operation.group,
            order: keep ? existing.order : operation.order,
            revision,
            createdAt: operation.restore?.createdAt ?? existing?.createdAt ?? now,
            updatedAt: operation.restore?.updatedAt ?? now,
            expiresAt: operation.expiresAt ?? null,
            indexes: operation.indexes ?? existing?.indexes ?? [],
            parent: operation.parent ?? null,
            text: encodeData(operation.data, operation.collection, operation.key),
          })
          revisions.push(revision)
        }
      }
      for (const [name, view] of staged) {
        const collection = collectionOf(name)
        for (const [key, row] of view) {
          if (row === undefined) collection.delete(key)
          else collection.set(key, row)
        }
      }
      return { ok: true, revisions }
    },

    async close() {
      closed = true
      collections.clear()
    },
  }
}
