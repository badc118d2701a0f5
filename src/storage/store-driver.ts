/**
 * The small transactional record store every backend implements, and on which the repositories
 * (runs, sessions, memory, tasks, knowledge, audit) are written once. A backend only has to store
 * records, list them in order and apply a batch of writes atomically with revision checks.
 *
 * @module
 */
import type { JsonObject } from '../util/json.js'

/** One stored record: a versioned JSON document plus the envelope the store keeps beside it. */
export interface StoredRecord {
  /** The kind of record (`run`, `session-message`, ...): records of one collection share a schema. */
  collection: string
  /** Unique within the collection. */
  key: string
  /** A partition the record is listed by (the run of an event, the namespace of a fact); '' for none. */
  group: string
  /** The sort key within the collection and the group (an event's seq, a time). */
  order: number
  /** 1 when created, +1 on every write: what compare-and-set checks. */
  revision: number
  /** Milliseconds since the epoch; kept by the store. */
  createdAt: number
  updatedAt: number
  /** The record is gone once this time (ms since the epoch) has passed; null: never expires. */
  expiresAt: number | null
  /** The document, always an object with a numeric `version`. */
  data: JsonObject
}

/** Writes one record. */
export interface PutOperation {
  type: 'put'
  collection: string
  key: string
  group: string
  order: number
  data: JsonObject
  expiresAt?: number | null
  /**
   * Compare-and-set: `null` requires that the record does not exist, a number that its revision
   * is this one. Undefined writes unconditionally.
   */
  expectedRevision?: number | null
  /**
   * On update, keep the stored group and order (only a new record takes `group` and `order`): the
   * record's index entries then never move, which makes frequent rewrites (checkpoints) cheaper.
   */
  keepPosition?: boolean
  /** Insert only: when the record exists, leave it as it is (no conflict). Makes appends idempotent. */
  ifAbsent?: boolean
  /** An embedding to index, for backends with a native vector index (pgvector). It is also in `data`. */
  vector?: readonly number[]
  /**
   * A hint that the data is worth compressing (a session's messages, a finished run's archived
   * log): a backend that can store it deflated does (SQLite), the others ignore it. Reads give back
   * the same data either way.
   */
  compress?: boolean
  /** Writes the envelope exactly as given (fixtures, copies between stores). */
  restore?: { revision: number; createdAt: number; updatedAt: number }
  /**
   * Secondary index values: the record is also listed by `list(collection, { index: value })` for
   * each of them, at its (stored) order. An array replaces the record's previous values (`[]`
   * removes them all); undefined keeps them as they are. Give them on every write of a collection
   * that uses them: they are what lets a filtered list read a page instead of the whole collection.
   */
  indexes?: readonly string[]
  /**
   * The key of this record's parent in the same collection (a message's previous message), or
   * null: what `ancestors` follows. Written with the record; undefined is the same as null.
   */
  parent?: string | null
}

/** Deletes one record (no error when it is missing, unless `expectedRevision` is given). */
export interface DeleteOperation {
  type: 'delete'
  collection: string
  key: string
  expectedRevision?: number
}

/** Deletes every record of a group. */
export interface DeleteGroupOperation {
  type: 'deleteGroup'
  collection: string
  group: string
}

/** Writes nothing; fails the batch unless the record's revision is this one (`null`: it does not exist). */
export interface CheckOperation {
  type: 'check'
  collection: string
  key: string
  expectedRevision: number | null
}

/** One write of a batch. */
export type WriteOperation = PutOperation | DeleteOperation | DeleteGroupOperation | CheckOperation

/**
 * What a batch did: on success, the new revision of each operation (0 for operations that wrote
 * no revision: deletes, checks, skipped `ifAbsent` puts); on conflict, which operation failed its
 * revision check and the revision found (null: no record). A failed batch writes nothing.
 */
export type CommitResult =
  | { ok: true; revisions: number[] }
  | { ok: false; index: number; actualRevision: number | null }

/** A place in a listing: the `order` and `key` of a record (the last one of the previous page). */
export interface ListPosition {
  order: number
  key: string
}

/**
 * How to list records. The result is sorted by `order`, then by `key` (byte order of the UTF-8
 * text), ascending unless `descending`. A backend must answer a list with `limit` (and `after`)
 * by reading about `limit` records, not the collection: through an index on (group, order, key),
 * (index value, order, key) and (order, key).
 */
export interface ListOptions {
  /** Only this group; all groups when undefined. */
  group?: string
  /** Only records that have this secondary index value (see `PutOperation.indexes`). Not with `group`. */
  index?: string
  /** Only records whose order is greater than this. */
  afterOrder?: number
  /**
   * Only records that come after this position in the listing's direction: with `descending`,
   * (order, key) lower than it; otherwise higher. Used for cursor pagination.
   */
  after?: ListPosition
  /** At most this many (after expired records are dropped). */
  limit?: number
  /** Highest order first. */
  descending?: boolean
}

/** Options of `StoreDriver.ancestors`. */
export interface AncestorOptions {
  /** At most this many records (the walk stops there). Default: 1,000,000 (a bound, in case of a cycle). */
  limit?: number
}

/** A nearest-neighbour query a backend can answer natively. */
export interface VectorQuery {
  collection: string
  group: string
  vector: readonly number[]
  topK: number
  /** Equality on top-level fields of `data.metadata`. */
  metadata?: JsonObject
}

/**
 * The store a backend implements. Every method may be called concurrently; `commit` is atomic
 * (all or nothing) and isolated from other commits, also across processes for persistent backends.
 */
export interface StoreDriver {
  /** The backend's name, for messages: `memory`, `sqlite`, `postgres`, `redis`. */
  readonly name: string
  get(collection: string, key: string): Promise<StoredRecord | null>
  /** Records of a collection in `order` (then `key`) order, without expired ones. */
  list(collection: string, options?: ListOptions): Promise<StoredRecord[]>
  /**
   * A record and its ancestors, nearest first: the record `key`, then the record named by its
   * `parent`, then that one's parent, and so on, all in `collection`. The walk stops after a record
   * without a parent, at a parent that does not exist (or expired), at a key already visited (a
   * cycle), or after `limit` records. [] when `key` does not exist. SQL backends answer it with one
   * recursive query; the cost is the length of the chain, not the size of the collection.
   */
  ancestors(collection: string, key: string, options?: AncestorOptions): Promise<StoredRecord[]>
  /** Applies a batch atomically; `now` (ms since the epoch) stamps `createdAt` / `updatedAt`. */
  commit(operations: readonly WriteOperation[], now: number): Promise<CommitResult>
  /**
   * Native similarity search (cosine), best first. When the method is missing or resolves to
   * undefined (no vector index available), the repository computes cosine similarity itself.
   * `score` is the cosine similarity.
   */
  search?(query: VectorQuery): Promise<{ record: StoredRecord; score: number }[] | undefined>
  /** Settings worth reporting (journal mode, vector index...), for diagnostics and tests. */
  info?(): JsonObject
  close(): Promise<void>
}
