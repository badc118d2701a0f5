/**
 * Paging through one or several driver listings at once, newest first: the listings a filter maps
 * to (one per status, say) are read a page at a time and merged by position, so a page costs about
 * `limit` reads whatever the size of the collection. Records that cannot be decoded are skipped and
 * reported, never allowed to break the listing.
 *
 * @module
 */
import { comparePositions, decodeCursor, encodeCursor } from '../list-position.js'
import type { UnreadableRecord } from '../run-repository.js'
import { StoredDataError } from '../storage-errors.js'
import type { ListOptions, ListPosition, StoreDriver, StoredRecord } from '../store-driver.js'

/** What to page through. */
export interface PageRequest<T> {
  collection: string
  /** The listings to merge (each with `group` or `index`, or neither); their results never overlap. */
  sources: readonly Pick<ListOptions, 'group' | 'index'>[]
  limit: number
  cursor: string | undefined
  /** Names the cursor option in errors (`runs.list: cursor`). */
  field: string
  /** Decodes a record; undefined leaves it out (a filter the index does not cover). */
  read: (record: StoredRecord) => Promise<T | undefined>
  onCorrupt: ((error: StoredDataError) => void) | undefined
}

/** A page of items, the cursor of the next one (null at the end) and what was skipped. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
  skipped: UnreadableRecord[]
}

function reportCorrupt(error: StoredDataError): void {
  globalThis.process?.emitWarning?.(`${error.message} It was left out of the listing.`, {
    type: 'AgentLoopStorageWarning',
  })
}

/** Reads one page, newest first, merging `sources`. */
export async function readPage<T>(driver: StoreDriver, request: PageRequest<T>): Promise<Page<T>> {
  let after: ListPosition | undefined =
    request.cursor === undefined ? undefined : decodeCursor(request.cursor, request.field)
  const items: T[] = []
  const skipped: UnreadableRecord[] = []
  let more = true
  while (items.length < request.limit && more) {
    const want = request.limit - items.length
    // one more than wanted: whether anything follows this page
    const pages = await Promise.all(
      request.sources.map((source) =>
        driver.list(request.collection, {
          ...source,
          descending: true,
          limit: want + 1,
          ...(after === undefined ? {} : { after }),
        }),
      ),
    )
    const merged = pages.length === 1 ? (pages[0] as StoredRecord[]) : pages.flat()
    if (pages.length > 1) merged.sort((left, right) => comparePositions(right, left))
    more = merged.length > want
    for (const record of merged.slice(0, want)) {
      after = { order: record.order, key: record.key }
      try {
        const item = await request.read(record)
        if (item !== undefined) items.push(item)
      } catch (error) {
        if (!(error instanceof StoredDataError)) throw error
        skipped.push({ key: record.key, message: error.message })
        ;(request.onCorrupt ?? reportCorrupt)(error)
      }
    }
  }
  return { items, nextCursor: more && after !== undefined ? encodeCursor(after) : null, skipped }
}
