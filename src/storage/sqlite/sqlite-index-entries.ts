/**
 * The secondary index entries of the SQLite records table (`PutOperation.indexes`): one row of
 * `<prefix>record_index` per (value, order, key). A record keeps the values and the order of its
 * entries in its own row (`index_values`, `index_ord`: migration 102), so they are moved or
 * deleted through the entry table's primary key, without a second index of the entries by key.
 *
 * @module
 */
import type { SqliteStatements } from './sqlite-statements.js'

/** How many records' index values the process remembers (see `IndexEntries`); past it, it starts over. */
const MAX_REMEMBERED = 10_000

/** Where a record's index entries are: their order and values (JSON), or nulls for none. */
interface IndexState {
  index_ord: number | null
  index_values: string | null
}

/** Keeps index entries right as records are written and deleted, inside the driver's transactions. */
export class IndexEntries {
  readonly #statements: SqliteStatements
  /**
   * The index values this process last wrote per record, with the revision and order written: a
   * checkpoint (which rewrites its run's record with the same values) then skips the index
   * statements. Forgotten whenever a batch rolls back, so it only holds committed writes.
   */
  readonly #written = new Map<string, { revision: number; ord: number; values: string }>()

  constructor(statements: SqliteStatements) {
    this.#statements = statements
  }

  /**
   * After a put with `indexes` wrote revision `written.revision` at order `written.ord`: the
   * entries become exactly `wanted` at that order.
   */
  afterPut(
    collection: string,
    key: string,
    expectedRevision: number | null | undefined,
    written: { revision: number; ord: number },
    wanted: readonly string[],
  ): void {
    const values = JSON.stringify(wanted)
    const id = `${collection}\u0000${key}`
    const last = this.#written.get(id)
    // The entries this process wrote with the revision this write replaces are still there: the
    // compare-and-set proves nobody wrote the record since. Same values at the same order: skip.
    if (
      last === undefined ||
      last.revision !== expectedRevision ||
      last.ord !== written.ord ||
      last.values !== values
    ) {
      const state = this.#state(collection, key)
      this.#remove(collection, key, state, state?.index_ord === written.ord ? wanted : [])
      this.#statements.reindex.run(collection, written.ord, key, values)
      const any = wanted.length > 0
      this.#statements.setIndexState.run(any ? written.ord : null, any ? values : null, collection, key)
    }
    if (this.#written.size >= MAX_REMEMBERED) this.#written.clear()
    this.#written.set(id, { revision: written.revision, ord: written.ord, values })
  }

  /** Before a record is deleted: its entries go. */
  beforeDelete(collection: string, key: string): void {
    this.#remove(collection, key, this.#state(collection, key), [])
    this.#written.delete(`${collection}\u0000${key}`)
  }

  /** Before a group's records are deleted: their entries go. */
  beforeDeleteGroup(collection: string, group: string): void {
    this.#statements.unindexGroup.run(collection, group)
    this.#written.clear()
  }

  /** A batch rolled back: what was remembered of it may not be stored. */
  forget(): void {
    this.#written.clear()
  }

  #state(collection: string, key: string): IndexState | undefined {
    return this.#statements.indexState.get(collection, key) as IndexState | undefined
  }

  /** Deletes a record's entries but those in `keep` (which are at the right order). */
  #remove(collection: string, key: string, state: IndexState | undefined, keep: readonly string[]): void {
    if (state === undefined || state.index_values === null || state.index_ord === null) return
    const old = JSON.parse(state.index_values) as string[]
    const gone = keep.length === 0 ? old : old.filter((value) => !keep.includes(value))
    if (gone.length > 0) this.#statements.unindex.run(collection, key, state.index_ord, JSON.stringify(gone))
  }
}
