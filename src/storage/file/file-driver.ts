import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { type JsonObject, parseJson } from '../../util/json.js'
import { encodeData } from '../record-codec.js'
import { StorageError } from '../storage-errors.js'
import type { CommitResult, ListOptions, StoreDriver, WriteOperation } from '../store-driver.js'
import {
  encodeFileName,
  type FileDurability,
  isMissing,
  readTextIfExists,
  syncDirectory,
  TEMPORARY_PREFIX,
  unlinkIfExists,
  writeFileAtomic,
} from './file-io.js'
import { createFileLock, createSerialQueue } from './file-lock.js'
import { type CollectionRows, type FileRow, getRecord, listRecords } from './file-query.js'

/** The layout version of the directory (not the records' format version). */
const LAYOUT_VERSION = 1

/** Options of {@link createFileDriver}. */
export interface FileDriverOptions {
  dir: string
  durability: FileDurability
  lockTimeoutMs: number
  lockStaleMs: number
}

/**
 * `head.json`: the number of the last commit and, per collection, the commit that last changed it.
 * A process keeps the collections it has read in memory and reloads one only when its number moved.
 */
interface Head {
  layout: number
  generation: number
  collections: Record<string, number>
  /** The number of a collection missing from `collections` (0; higher once the head was repaired). */
  base?: number
}

/** The number of the commit that last changed a collection. */
const generationOf = (head: Head, collection: string) => head.collections[collection] ?? head.base ?? 0

/** `journal.json`: a commit's every effect, written before any record file, replayed after a crash. */
interface Journal {
  head: Head
  effects: { collection: string; key: string; row: FileRow | null }[]
}

interface CachedCollection {
  generation: number
  rows: Map<string, FileRow>
}

/**
 * The file store. Layout of `dir`:
 *
 * - `records/<collection>/<key>.json`: one file per record (envelope and data), replaced atomically;
 * - `head.json`: commit counters (see {@link Head});
 * - `journal.json`: present while a commit is being applied, or after one was interrupted;
 * - `lock`: present while a process commits.
 *
 * A commit takes the lock, checks every revision against the current files, writes the journal,
 * applies it (record files, then `head.json`) and deletes it. The journal makes a batch all or
 * nothing across a crash: whoever finds it next (a commit, a read, or opening the store) applies it
 * again, which is harmless because it holds the final rows. Readers take no lock: they check the
 * commit counter before and after loading (a seqlock) and retry when a commit ran meanwhile.
 */
export function createFileDriver(options: FileDriverOptions): StoreDriver {
  const { dir, durability } = options
  const recordsDir = join(dir, 'records')
  const headPath = join(dir, 'head.json')
  const journalPath = join(dir, 'journal.json')
  const lock = createFileLock({
    path: join(dir, 'lock'),
    timeoutMs: options.lockTimeoutMs,
    staleMs: options.lockStaleMs,
  })
  const serially = createSerialQueue()
  const cache = new Map<string, CachedCollection>()
  let closed = false

  const collectionDir = (collection: string) => join(recordsDir, encodeFileName(collection))
  const recordPath = (collection: string, key: string) =>
    join(collectionDir(collection), `${encodeFileName(key)}.json`)

  const checkOpen = () => {
    if (closed)
      throw new StorageError({ message: `This file storage (${dir}) was closed; create a new one.` })
  }

  const corrupt = (path: string, problem: string) =>
    new StorageError({
      message: `The file store's ${path} is unreadable: ${problem}. Restore it from a backup or delete it (deleting head.json only makes every process reload; deleting a record file loses that record).`,
    })

  /** The head; null while it is unreadable (being written, or damaged by a power loss). */
  const readHead = (): Head | null => {
    const text = readTextIfExists(headPath)
    if (text === undefined) return { layout: LAYOUT_VERSION, generation: 0, collections: {} }
    const parsed = parseJson(text)
    const head = parsed.ok ? (parsed.value as Partial<Head> | null) : null
    if (
      typeof head?.generation !== 'number' ||
      typeof head.collections !== 'object' ||
      head.collections === null
    ) {
      return null
    }
    if (typeof head.layout === 'number' && head.layout > LAYOUT_VERSION) {
      throw new StorageError({
        message: `The file store in ${dir} has layout ${head.layout}, written by a newer agentloop; this one reads layout ${LAYOUT_VERSION}. Upgrade agentloop.`,
      })
    }
    return head as Head
  }

  /**
   * Rewrites the head in place (one small write, padded to the old length) rather than by rename:
   * on ext4 a rename over an existing file flushes it, which made every commit wait. Readers
   * that catch it half-written see an unreadable head and wait for the lock; a head damaged by a
   * power loss is repaired by {@link repairHead}.
   */
  const writeHead = (head: Head) => {
    const bytes = Buffer.from(JSON.stringify(head))
    let descriptor: number
    try {
      descriptor = openSync(headPath, 'r+')
    } catch (error) {
      if (!isMissing(error)) throw error
      writeFileAtomic(headPath, `${bytes.toString()}\n`, 'process')
      return
    }
    try {
      const size = fstatSync(descriptor).size
      const padded =
        bytes.length >= size ? bytes : Buffer.concat([bytes, Buffer.alloc(size - bytes.length, 0x20)])
      writeSync(descriptor, padded, 0, padded.length, 0)
    } finally {
      closeSync(descriptor)
    }
  }

  /**
   * Under the lock: the head, repaired when it is unreadable. No writer is running, so it was
   * damaged (a power loss during a write). A new base number, above any a process may have
   * cached, makes every process reload every collection from the record files, which are intact.
   */
  const repairHead = (): Head => {
    const head = readHead()
    if (head !== null) return head
    const base = Date.now() * 1000
    const repaired: Head = { layout: LAYOUT_VERSION, generation: base, collections: {}, base }
    writeFileAtomic(headPath, `${JSON.stringify(repaired)}\n`, durability)
    cache.clear()
    return repaired
  }

  const parseRow = (path: string, text: string): { key: string; row: FileRow } => {
    const parsed = parseJson(text)
    const value = (parsed.ok ? parsed.value : null) as
      | (Partial<FileRow> & { key?: unknown; data?: unknown })
      | null
    if (typeof value?.key !== 'string' || typeof value.data !== 'object' || value.data === null) {
      throw corrupt(path, parsed.ok ? 'not a record file' : parsed.message)
    }
    return {
      key: value.key,
      row: {
        group: String(value.group ?? ''),
        order: Number(value.order ?? 0),
        revision: Number(value.revision ?? 1),
        createdAt: Number(value.createdAt ?? 0),
        updatedAt: Number(value.updatedAt ?? 0),
        expiresAt: typeof value.expiresAt === 'number' ? value.expiresAt : null,
        text: JSON.stringify(value.data),
      },
    }
  }

  const rowFileText = (collection: string, key: string, row: FileRow): string => {
    const { text, ...envelope } = row
    const head = JSON.stringify({ collection, key, ...envelope })
    return `${head.slice(0, -1)},"data":${text}}\n`
  }

  /** Reads every record file of a collection. */
  const loadCollection = (collection: string): Map<string, FileRow> => {
    const directory = collectionDir(collection)
    let names: string[]
    try {
      names = readdirSync(directory)
    } catch (error) {
      if (isMissing(error)) return new Map()
      throw error
    }
    const rows = new Map<string, FileRow>()
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue
      const path = join(directory, name)
      const text = readTextIfExists(path)
      if (text === undefined) continue // deleted meanwhile; the seqlock check retries
      const { key, row } = parseRow(path, text)
      rows.set(key, row)
    }
    return rows
  }

  /** Applies a journal's effects to the record files and the head; idempotent. */
  const applyJournal = (journal: Journal) => {
    const touched = new Set<string>()
    for (const { collection } of journal.effects) touched.add(collection)
    for (const collection of touched) mkdirSync(collectionDir(collection), { recursive: true })
    for (const { collection, key, row } of journal.effects) {
      if (row === null) unlinkIfExists(recordPath(collection, key))
      else writeFileAtomic(recordPath(collection, key), rowFileText(collection, key, row), durability)
    }
    if (durability === 'full') for (const collection of touched) syncDirectory(collectionDir(collection))
    // The head needs no fsync: after a power loss every process starts with an empty cache, and a
    // head that went back a few commits only makes them load collections again. Nor does removing
    // the journal: applying it again rewrites what is already there.
    writeHead(journal.head)
    unlinkIfExists(journalPath)
  }

  /** Under the lock: finishes a commit a crashed process left, and removes its temporary files. */
  const recover = () => {
    const text = readTextIfExists(journalPath)
    if (text === undefined) return
    const parsed = parseJson(text)
    if (!parsed.ok) throw corrupt(journalPath, parsed.message)
    const journal = parsed.value as Journal
    applyJournal(journal)
    // no commit is running (we hold the lock), so every temporary file is a leftover
    const directories = new Set([dir, ...journal.effects.map(({ collection }) => collectionDir(collection))])
    for (const directory of directories) {
      let names: string[] = []
      try {
        names = readdirSync(directory)
      } catch {}
      for (const name of names) {
        if (name.startsWith(TEMPORARY_PREFIX)) unlinkIfExists(join(directory, name))
      }
    }
    cache.clear()
  }

  const withLock = <T>(task: () => Promise<T>): Promise<T> =>
    serially(async () => {
      const release = await lock.acquire()
      try {
        recover()
        return await task()
      } finally {
        await release()
      }
    })

  const journalExists = () => readTextIfExists(journalPath) !== undefined

  /**
   * The rows of a collection as of the last commit. From memory when no commit changed the
   * collection since it was loaded; otherwise loaded again, between two reads of the head.
   */
  const rowsOf = async (collection: string): Promise<CollectionRows> => {
    for (;;) {
      const head = readHead()
      if (head === null) {
        await withLock(async () => repairHead())
        continue
      }
      const generation = generationOf(head, collection)
      const cached = cache.get(collection)
      if (cached !== undefined && cached.generation === generation) return cached.rows
      if (journalExists()) {
        // a commit is being applied, or was interrupted: wait for it (or finish it), then read
        await withLock(async () => {})
        continue
      }
      const rows = loadCollection(collection)
      if (journalExists()) continue
      if (readHead()?.generation !== head.generation) continue
      cache.set(collection, { generation, rows })
      return rows
    }
  }

  /** Reads one record file; undefined when there is none (or it belongs to another key). */
  const readRow = (collection: string, key: string): FileRow | undefined => {
    const path = recordPath(collection, key)
    const text = readTextIfExists(path)
    if (text === undefined) return undefined
    const parsed = parseRow(path, text)
    // long keys share a file name prefix; the hash makes a clash unlikely, the check makes it harmless
    return parsed.key === key ? parsed.row : undefined
  }

  /**
   * One record as of the last commit: from memory when the collection is loaded and fresh,
   * otherwise from its file alone (a cold `get` does not load the whole collection), between two
   * reads of the head.
   */
  const rowOf = async (collection: string, key: string): Promise<FileRow | undefined> => {
    for (;;) {
      const head = readHead()
      if (head === null) {
        await withLock(async () => repairHead())
        continue
      }
      const cached = cache.get(collection)
      if (cached !== undefined && cached.generation === generationOf(head, collection)) {
        return cached.rows.get(key)
      }
      if (journalExists()) {
        await withLock(async () => {})
        continue
      }
      const row = readRow(collection, key)
      if (journalExists()) continue
      if (readHead()?.generation !== head.generation) continue
      return row
    }
  }

  /**
   * Under the lock: what a commit needs to check its operations against. The whole collection
   * when it is in memory and fresh, or when a `deleteGroup` needs it; otherwise just the records
   * the batch names (`complete: false`), so a commit stays cheap in a process that has not read
   * the collection, or after another process changed it.
   */
  const commitBase = (
    collection: string,
    head: Head,
    operations: readonly WriteOperation[],
  ): { rows: Map<string, FileRow>; complete: boolean } => {
    const generation = generationOf(head, collection)
    const cached = cache.get(collection)
    if (cached !== undefined && cached.generation === generation) return { rows: cached.rows, complete: true }
    const mine = operations.filter((operation) => operation.collection === collection)
    if (mine.some((operation) => operation.type === 'deleteGroup')) {
      const rows = loadCollection(collection)
      cache.set(collection, { generation, rows })
      return { rows, complete: true }
    }
    const rows = new Map<string, FileRow>()
    const keys = new Set(mine.map((operation) => (operation as { key: string }).key))
    for (const key of keys) {
      const row = readRow(collection, key)
      if (row !== undefined) rows.set(key, row)
    }
    return { rows, complete: false }
  }

  /** Under the lock: checks and applies one batch. Synchronous, so nothing in this process interleaves. */
  const commit = (operations: readonly WriteOperation[], now: number): CommitResult => {
    const head = repairHead()
    const bases = new Map<string, { rows: Map<string, FileRow>; complete: boolean }>()
    for (const operation of operations) {
      if (!bases.has(operation.collection)) {
        bases.set(operation.collection, commitBase(operation.collection, head, operations))
      }
    }
    const base = new Map([...bases].map(([collection, { rows }]) => [collection, rows]))
    // Check every condition against the state as the batch would leave it, then write.
    const staged = new Map<string, Map<string, FileRow | null>>()
    const current = (collection: string, key: string) => {
      const view = staged.get(collection)
      if (view?.has(key)) return view.get(key) ?? undefined
      return base.get(collection)?.get(key)
    }
    const stage = (collection: string, key: string, row: FileRow | null) => {
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
          text: encodeData(operation.data, operation.collection, operation.key),
        })
        revisions.push(revision)
      }
    }
    if (staged.size === 0) return { ok: true, revisions }

    const generation = head.generation + 1
    const collections = { ...head.collections }
    for (const collection of staged.keys()) collections[collection] = generation
    const journal: Journal = {
      head: { ...head, layout: LAYOUT_VERSION, generation, collections },
      effects: [...staged].flatMap(([collection, view]) =>
        [...view].map(([key, row]) => ({ collection, key, row })),
      ),
    }
    // once the journal is in place the batch is committed: a crash from here on is finished by
    // whoever finds the journal; before it, nothing happened
    writeFileAtomic(journalPath, JSON.stringify(journal), durability)
    if (durability === 'full') syncDirectory(dir)
    applyJournal(journal)
    for (const [collection, view] of staged) {
      const loaded = bases.get(collection)
      if (loaded === undefined || !loaded.complete) {
        // only part of the collection was read: the next read loads it again
        cache.delete(collection)
        continue
      }
      for (const [key, row] of view) {
        if (row === null) loaded.rows.delete(key)
        else loaded.rows.set(key, row)
      }
      cache.set(collection, { generation, rows: loaded.rows })
    }
    return { ok: true, revisions }
  }

  return {
    name: 'file',

    async get(collection, key) {
      checkOpen()
      const row = await rowOf(collection, key)
      return row === undefined ? null : getRecord(new Map([[key, row]]), collection, key, Date.now())
    },

    async list(collection, listOptions: ListOptions = {}) {
      checkOpen()
      return listRecords(await rowsOf(collection), collection, listOptions, Date.now())
    },

    async commit(operations, now) {
      checkOpen()
      mkdirSync(recordsDir, { recursive: true })
      return withLock(async () => commit(operations, now))
    },

    info(): JsonObject {
      return { dir, durability, layout: LAYOUT_VERSION }
    },

    async close() {
      closed = true
      // let commits already queued finish before the caller removes the directory
      await serially(async () => {})
      cache.clear()
    },
  }
}
