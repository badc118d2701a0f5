/**
 * Records held in memory as rows of JSON text, and every read query over them: the memory backend
 * keeps its whole store this way, and the file backend caches the collections it reads this way.
 * Both answer `get`, `list` and `ancestors` with these functions, so a new listing option of the
 * `StoreDriver` interface (a filter, a cursor, another order) is written once, here.
 *
 * @module
 */

import { comparePositions } from '../list-position.js'
import { parseData } from '../record-codec.js'
import type { AncestorOptions, ListOptions, StoredRecord } from '../store-driver.js'

/** One record held in memory. */
export interface MemoryRow {
  group: string
  order: number
  revision: number
  createdAt: number
  updatedAt: number
  expiresAt: number | null
  /** Secondary index values (`PutOperation.indexes`). */
  indexes: readonly string[]
  /** The key of the parent record (`PutOperation.parent`), followed by `ancestors`. */
  parent: string | null
  /** The document as JSON text, so nothing a caller mutates changes what is cached. */
  text: string
}

/** The records of one collection, by key. */
export type CollectionRows = ReadonlyMap<string, MemoryRow>

/** The row is there and has not expired. */
export function isLive(row: MemoryRow | undefined, now: number): row is MemoryRow {
  return row !== undefined && (row.expiresAt === null || row.expiresAt > now)
}

/** The stored record of a row. */
export function toStoredRecord(collection: string, key: string, row: MemoryRow): StoredRecord {
  return {
    collection,
    key,
    group: row.group,
    order: row.order,
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    expiresAt: row.expiresAt,
    data: parseData(row.text, collection, key),
  }
}

/** `StoreDriver.get`: the live record of a key, or null. */
export function getRecord(rows: CollectionRows, collection: string, key: string, now: number) {
  const row = rows.get(key)
  return isLive(row, now) ? toStoredRecord(collection, key, row) : null
}

/**
 * `StoreDriver.list`: live records in `order`, then key order (reversed when descending), filtered
 * by group or index value, `afterOrder` and the `after` position (cursors), at most `limit`. A scan
 * of the collection: fine for what the memory and file backends are meant for (docs/storage.md).
 */
export function listRecords(
  rows: CollectionRows,
  collection: string,
  options: ListOptions,
  now: number,
): StoredRecord[] {
  const selected: [string, MemoryRow][] = []
  const direction = options.descending ? -1 : 1
  for (const [key, row] of rows) {
    if (options.group !== undefined && row.group !== options.group) continue
    if (options.index !== undefined && !row.indexes.includes(options.index)) continue
    if (options.afterOrder !== undefined && row.order <= options.afterOrder) continue
    if (
      options.after !== undefined &&
      direction * comparePositions({ order: row.order, key }, options.after) <= 0
    )
      continue
    if (!isLive(row, now)) continue
    selected.push([key, row])
  }
  selected.sort(
    ([leftKey, left], [rightKey, right]) =>
      direction *
      comparePositions({ order: left.order, key: leftKey }, { order: right.order, key: rightKey }),
  )
  const limited = options.limit === undefined ? selected : selected.slice(0, options.limit)
  return limited.map(([key, row]) => toStoredRecord(collection, key, row))
}

/**
 * `StoreDriver.ancestors`: the record and its parents, nearest first, until a record without a
 * parent, a missing or expired one, a key already visited (a cycle) or `limit`.
 */
export function ancestorRecords(
  readRow: (key: string) => MemoryRow | undefined,
  collection: string,
  key: string,
  options: AncestorOptions,
  now: number,
): StoredRecord[] {
  const result: StoredRecord[] = []
  const seen = new Set<string>()
  let current: string | null = key
  while (current !== null && !seen.has(current) && result.length < (options.limit ?? 1_000_000)) {
    const row = readRow(current)
    if (!isLive(row, now)) break
    seen.add(current)
    result.push(toStoredRecord(collection, current, row))
    current = row.parent
  }
  return result
}
