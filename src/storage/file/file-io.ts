/**
 * The file operations the file store is made of: atomic replacement of a file (write a temporary
 * file beside it, then rename it over the target), optional fsync of files and directories, and a
 * file-name encoding for record keys that is safe on every file system.
 *
 * They are synchronous on purpose, like better-sqlite3: a commit is a dozen small system calls,
 * and going through libuv's thread pool for each would cost more than the calls themselves.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * How far a commit is on disk when it returns. `full`: data and directory entries are fsynced, so a
 * commit survives a power loss or an OS crash. `process`: the files are renamed into place without
 * fsync, so a commit survives a crash of the process (the OS still has it) but the last ones may be
 * lost on a power loss; several times faster.
 */
export type FileDurability = 'full' | 'process'

/** Temporary files start with a dot, which encoded names never do, so a listing skips them. */
export const TEMPORARY_PREFIX = '.tmp-'

/** Flushes a directory's entries (a rename or an unlink) to disk. */
export function syncDirectory(path: string): void {
  const descriptor = openSync(path, 'r')
  try {
    fsyncSync(descriptor)
  } finally {
    closeSync(descriptor)
  }
}

/**
 * Replaces `path` with `text` atomically: a reader sees the old content or the new one, never a
 * mix, also after a crash. With `full` durability the data is fsynced before the rename; the
 * directory is not (the caller syncs each directory once per batch).
 */
export function writeFileAtomic(path: string, text: string, durability: FileDurability): void {
  const temporary = join(
    dirname(path),
    `${TEMPORARY_PREFIX}${basename(path)}-${randomBytes(6).toString('hex')}`,
  )
  const descriptor = openSync(temporary, 'w')
  try {
    writeSync(descriptor, text)
    if (durability === 'full') fsyncSync(descriptor)
  } finally {
    closeSync(descriptor)
  }
  try {
    renameSync(temporary, path)
  } catch (error) {
    unlinkIfExists(temporary)
    throw error
  }
}

/** Reads a file as text; undefined when it does not exist. */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
}

/** Deletes a file; no error when it is already gone. */
export function unlinkIfExists(path: string): void {
  try {
    unlinkSync(path)
  } catch (error) {
    if (!isMissing(error)) throw error
  }
}

/** The error is "no such file or directory". */
export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
}

const MAX_NAME = 200

/**
 * A file name for a record key or a collection name: lowercase letters, digits and `-` stay, every
 * other UTF-8 byte becomes `_` and two hex digits. The result is the same on case-insensitive file
 * systems (uppercase letters are encoded), never starts with a dot, and long keys are shortened with
 * a hash (the key itself is stored in the file, so nothing is lost).
 */
export function encodeFileName(key: string): string {
  let name = ''
  for (const byte of Buffer.from(key, 'utf8')) {
    const isSafe = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d
    name += isSafe ? String.fromCharCode(byte) : `_${byte.toString(16).padStart(2, '0')}`
  }
  if (name.length === 0) return '_'
  if (name.length <= MAX_NAME) return name
  return `${name.slice(0, 150)}~${createHash('sha256').update(key).digest('hex').slice(0, 40)}`
}
