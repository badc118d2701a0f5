/**
 * `head.json`, the store's commit counter: the number of the last commit and, per collection, the
 * commit that last changed it. Processes compare it with what they hold in memory.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { parseJson } from '../../util/json.js'
import { StorageError } from '../storage-errors.js'
import { type FileDurability, isMissing, readTextIfExists, writeFileAtomic } from './file-io.js'

/** The layout version of the directory (not the records' format version). */
export const LAYOUT_VERSION = 1

/**
 * `head.json`: the number of the last commit and, per collection, the commit that last changed it.
 * A process keeps the collections it has read in memory and reloads one only when its number moved.
 */
export interface Head {
  layout: number
  generation: number
  collections: Record<string, number>
  /** The number of a collection missing from `collections` (0; higher once the head was repaired). */
  base?: number
}

/** The number of the commit that last changed a collection. */
export const generationOf = (head: Head, collection: string) => head.collections[collection] ?? head.base ?? 0

/** Reads, writes and repairs the head of the store in `dir`. */
export function createHeadFile(options: { dir: string; durability: FileDurability }) {
  const { dir, durability } = options
  const headPath = join(dir, 'head.json')

  /** The head; null while it is unreadable (being written, or damaged by a power loss). */
  const read = (): Head | null => {
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
   * power loss is repaired by `repair`.
   */
  const write = (head: Head) => {
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
  const repair = (): { head: Head; repaired: boolean } => {
    const head = read()
    if (head !== null) return { head, repaired: false }
    const base = Date.now() * 1000
    const repaired: Head = { layout: LAYOUT_VERSION, generation: base, collections: {}, base }
    writeFileAtomic(headPath, `${JSON.stringify(repaired)}\n`, durability)
    return { head: repaired, repaired: true }
  }

  return { read, write, repair }
}
