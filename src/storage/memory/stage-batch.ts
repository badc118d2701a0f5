import { encodeData } from '../record-codec.js'
import type { CommitResult, WriteOperation } from '../store-driver.js'
import type { MemoryRow } from './memory-rows.js'

/** What a batch changes: per collection, the new row of each key, or null for a deleted one. */
export type StagedChanges = Map<string, Map<string, MemoryRow | null>>

/**
 * Checks a batch against the records it touches and works out every change, writing nothing: the
 * revision checks see the state as the earlier operations of the batch leave it, as in a
 * transaction. Shared by the memory and file backends. `base` holds, per collection, at least every record the batch names (the whole
 * collection when the batch has a `deleteGroup`).
 */
export function stageBatch(
  operations: readonly WriteOperation[],
  base: ReadonlyMap<string, ReadonlyMap<string, MemoryRow>>,
  now: number,
): Extract<CommitResult, { ok: false }> | { ok: true; revisions: number[]; staged: StagedChanges } {
  // Check every condition against the state as the batch would leave it, then write.
  const staged = new Map<string, Map<string, MemoryRow | null>>()
  const current = (collection: string, key: string) => {
    const view = staged.get(collection)
    if (view?.has(key)) return view.get(key) ?? undefined
    return base.get(collection)?.get(key)
  }
  const stage = (collection: string, key: string, row: MemoryRow | null) => {
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
      for (const [key, row] of base.get(operation.collection) ?? []) {
        if (row.group === operation.group) stage(operation.collection, key, null)
      }
      for (const [key, row] of staged.get(operation.collection) ?? []) {
        if (row?.group === operation.group) stage(operation.collection, key, null)
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
      if (existing !== undefined) stage(operation.collection, operation.key, null)
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
  return { ok: true, revisions, staged }
}
