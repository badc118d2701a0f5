/**
 * Group commit on SQLite: the commits asked for during one turn of the event loop (by concurrent
 * runs) share one transaction, so one sync to disk with `synchronous=FULL`. Each batch runs in its
 * own savepoint (better-sqlite3 nests transactions as savepoints): a batch that fails its
 * compare-and-set rolls back alone. Callers learn their result only after the shared COMMIT, so a
 * write is exactly as durable as alone.
 *
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3'
import type { CommitResult, WriteOperation } from '../store-driver.js'

/** One batch as a CommitResult (`immediate`: in its own `BEGIN IMMEDIATE` transaction, else nested). */
export type Attempt = (operations: readonly WriteOperation[], now: number, immediate: boolean) => CommitResult

interface Pending {
  operations: readonly WriteOperation[]
  now: number
  resolve: (result: CommitResult) => void
  reject: (error: unknown) => void
}

/** Queues commits and applies each event-loop turn's in one transaction. */
export class GroupCommit {
  readonly #attempt: Attempt
  readonly #fail: (error: unknown) => Error
  readonly #rolledBack: () => void
  readonly #applyGroup
  #queue: Pending[] = []

  /**
   * `fail` turns an error into the one callers see; `rolledBack` is told when the shared
   * transaction rolled back as a whole (what was remembered of its batches may not be stored).
   */
  constructor(
    db: BetterSqlite3.Database,
    attempt: Attempt,
    fail: (error: unknown) => Error,
    rolledBack: () => void,
  ) {
    this.#attempt = attempt
    this.#fail = fail
    this.#rolledBack = rolledBack
    this.#applyGroup = db.transaction((group: Pending[]) =>
      group.map((pending): CommitResult | { error: unknown } => {
        try {
          return attempt(pending.operations, pending.now, false)
        } catch (error) {
          // an error SQLite answers by rolling back the whole transaction ends the group
          if (!db.inTransaction) throw error
          return { error }
        }
      }),
    )
  }

  /** The batch's result, after the COMMIT of the turn's transaction. */
  commit(operations: readonly WriteOperation[], now: number): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ operations, now, resolve, reject })
      if (this.#queue.length === 1) setImmediate(() => this.flush())
    })
  }

  /** Applies what is queued now (the driver's `close` calls it too). */
  flush(): void {
    const group = this.#queue
    this.#queue = []
    if (group.length === 0) return
    if (group.length === 1) {
      const [only] = group as [Pending]
      try {
        only.resolve(this.#attempt(only.operations, only.now, true))
      } catch (error) {
        only.reject(this.#fail(error))
      }
      return
    }
    let results: (CommitResult | { error: unknown })[]
    try {
      results = this.#applyGroup.immediate(group)
    } catch (error) {
      this.#rolledBack()
      for (const pending of group) pending.reject(this.#fail(error))
      return
    }
    group.forEach((pending, index) => {
      const result = results[index] as CommitResult | { error: unknown }
      if ('error' in result) pending.reject(this.#fail(result.error))
      else pending.resolve(result)
    })
  }
}
