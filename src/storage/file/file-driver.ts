import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { type JsonObject, parseJson } from '../../util/json.js'
import {
  ancestorRecords,
  type CollectionRows,
  getRecord,
  listRecords,
  type MemoryRow,
} from '../memory/memory-rows.js'
import { stageBatch } from '../memory/stage-batch.js'
import { StorageError } from '../storage-errors.js'
import type {
  AncestorOptions,
  CommitResult,
  ListOptions,
  StoreDriver,
  WriteOperation,
} from '../store-driver.js'
import { createHeadFile, generationOf, type Head, LAYOUT_VERSION } from './file-head.js'
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
import { parseRecordFile, recordFileText } from './file-record-format.js'

/** Options of {@link createFileDriver}. */
export interface FileDriverOptions {
  dir: string
  durability: FileDurability
  lockTimeoutMs: number
  lockStaleMs: number
}

/** `journal.json`: a commit's every effect, written before any record file, replayed after a crash. */
interface Journal {
  head: Head
  effects: { collection: string; key: string; row: MemoryRow | null }[]
}

interface CachedCollection {
  generation: number
  rows: Map<string, MemoryRow>
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
  const _headPath = join(dir, 'head.json')
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

  const headFile = createHeadFile({ dir, durability })
  const readHead = headFile.read
  /** Under the lock: the head, repaired (and every cached collection dropped) when it was damaged. */
  const repairHead = (): Head => {
    const { head, repaired } = headFile.repair()
    if (repaired) cache.clear()
    return head
  }

  /** Reads every record file of a collection. */
  const loadCollection = (collection: string): Map<string, MemoryRow> => {
    const directory = collectionDir(collection)
    let names: string[]
    try {
      names = readdirSync(directory)
    } catch (error) {
      if (isMissing(error)) return new Map()
      throw error
    }
    const rows = new Map<string, MemoryRow>()
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue
      const path = join(directory, name)
      const text = readTextIfExists(path)
      if (text === undefined) continue // deleted meanwhile; the seqlock check retries
      const { key, row } = parseRecordFile(path, text)
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
      else writeFileAtomic(recordPath(collection, key), recordFileText(collection, key, row), durability)
    }
    if (durability === 'full') for (const collection of touched) syncDirectory(collectionDir(collection))
    // The head needs no fsync: after a power loss every process starts with an empty cache, and a
    // head that went back a few commits only makes them load collections again. Nor does removing
    // the journal: applying it again rewrites what is already there.
    headFile.write(journal.head)
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
  const readRow = (collection: string, key: string): MemoryRow | undefined => {
    const path = recordPath(collection, key)
    const text = readTextIfExists(path)
    if (text === undefined) return undefined
    const parsed = parseRecordFile(path, text)
    // long keys share a file name prefix; the hash makes a clash unlikely, the check makes it harmless
    return parsed.key === key ? parsed.row : undefined
  }

  /**
   * One record as of the last commit: from memory when the collection is loaded and fresh,
   * otherwise from its file alone (a cold `get` does not load the whole collection), between two
   * reads of the head.
   */
  const rowOf = async (collection: string, key: string): Promise<MemoryRow | undefined> => {
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
  ): { rows: Map<string, MemoryRow>; complete: boolean } => {
    const generation = generationOf(head, collection)
    const cached = cache.get(collection)
    if (cached !== undefined && cached.generation === generation) return { rows: cached.rows, complete: true }
    const mine = operations.filter((operation) => operation.collection === collection)
    if (mine.some((operation) => operation.type === 'deleteGroup')) {
      const rows = loadCollection(collection)
      cache.set(collection, { generation, rows })
      return { rows, complete: true }
    }
    const rows = new Map<string, MemoryRow>()
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
    const bases = new Map<string, { rows: Map<string, MemoryRow>; complete: boolean }>()
    for (const operation of operations) {
      if (!bases.has(operation.collection)) {
        bases.set(operation.collection, commitBase(operation.collection, head, operations))
      }
    }
    const base = new Map([...bases].map(([collection, { rows }]) => [collection, rows]))
    const outcome = stageBatch(operations, base, now)
    if (!outcome.ok) return outcome
    const { staged, revisions } = outcome
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

    async ancestors(collection, key, ancestorOptions: AncestorOptions = {}) {
      checkOpen()
      const rows = await rowsOf(collection)
      return ancestorRecords((next) => rows.get(next), collection, key, ancestorOptions, Date.now())
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
