/**
 * Every read query of the file store, in one place: the store keeps each collection it reads as a
 * map of rows in memory (kept fresh by `file-driver.ts`), and these functions answer `get` and
 * `list` from such a map. A new listing method of the `StoreDriver` interface (filters, cursors,
 * another order) belongs here, as one more function over `CollectionRows`.
 *
 * @module
 */
import { parseData } from '../record-codec.js'
import type { ListOptions, StoredRecord } from '../store-driver.js'

/** One record as the file store keeps it in memory. */
export interface FileRow {
  group: string
  order: number
  revision: number
  createdAt: number
  updatedAt: number
  expiresAt: number | null
  /** The document as JSON text, so nothing a caller mutates changes what is cached. */
  text: string
}

/** The records of one collection, by key. */
export type CollectionRows = ReadonlyMap<string, FileRow>

/** The row is there and has not expired. */
export function isLive(row: FileRow | undefined, now: number): row is FileRow {
  return row !== undefined && (row.expiresAt === null || row.expiresAt > now)
}

/** The stored record of a row. */
export function toStoredRecord(collection: string, key: string, row: FileRow): StoredRecord {
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
 * by group and `afterOrder`, at most `limit`. A scan of the collection: fine for the thousands of
 * records the file store is meant for (see docs/storage.md for the measured limits).
 */
export function listRecords(
  rows: CollectionRows,
  collection: string,
  options: ListOptions,
  now: number,
): StoredRecord[] {
  const selected: [string, FileRow][] = []
  for (const [key, row] of rows) {
    if (options.group !== undefined && row.group !== options.group) continue
    if (options.afterOrder !== undefined && row.order <= options.afterOrder) continue
    if (!isLive(row, now)) continue
    selected.push([key, row])
  }
  selected.sort(
    ([leftKey, left], [rightKey, right]) =>
      left.order - right.order || (leftKey < rightKey ? -1 : leftKey > rightKey ? 1 : 0),
  )
  if (options.descending) selected.reverse()
  const limited = options.limit === undefined ? selected : selected.slice(0, options.limit)
  return limited.map(([key, row]) => toStoredRecord(collection, key, row))
}
