/**
 * Who owns what: sessions and runs created through the server record their owner (the tenant of
 * the key that created them) in one collection, indexed by owner and kind so a listing of one
 * owner's objects is a query, not a filter after loading. Objects created outside the server
 * belong to the default owner.
 *
 * @module
 */
import { z } from 'zod'
import type { StoreDriver } from '../storage/store-driver.js'
import { DEFAULT_OWNER } from './api-key-store.js'
import { recordCollection } from './record-store.js'

/** Kinds of owned objects. */
export type OwnedKind = 'session' | 'run'

const Owned = z.object({ version: z.literal(1), kind: z.string(), id: z.string(), owner: z.string() })

/** The owners of sessions and runs. */
export interface Ownership {
  record(kind: OwnedKind, id: string, owner: string): Promise<void>
  ownerOf(kind: OwnedKind, id: string): Promise<string>
  /** Ids of one owner's objects of a kind, newest first. */
  list(
    kind: OwnedKind,
    owner: string,
    options?: { limit?: number; after?: { order: number; key: string } },
  ): Promise<{ id: string; position: { order: number; key: string } }[]>
}

const keyOf = (kind: string, id: string) => `${kind.length}:${kind}${id}`

/** Ownership records on a driver. */
export function createOwnership(driver: StoreDriver): Ownership {
  const records = recordCollection(driver, 'server.owner', Owned)
  return {
    async record(kind, id, owner) {
      await records.put(keyOf(kind, id), { version: 1, kind, id, owner }, { indexes: [`${kind}:${owner}`] })
    },
    async ownerOf(kind, id) {
      return (await records.get(keyOf(kind, id)))?.value.owner ?? DEFAULT_OWNER
    },
    async list(kind, owner, options = {}) {
      const rows = await records.list({
        index: `${kind}:${owner}`,
        descending: true,
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.after === undefined ? {} : { after: options.after }),
      })
      return rows.map((row) => ({ id: row.value.id, position: { order: row.order, key: row.key } }))
    },
  }
}
