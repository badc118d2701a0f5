/**
 * The file operations the file store is made of: atomic replacement of a file (write a temporary
 * file beside it, then rename it over the target), optional fsync of files and directories, and a
 * file-name encoding for record keys that is safe on every file system.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { open, readFile, rename, unlink } from 'node:fs/promises'
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
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Replaces `path` with `text` atomically: a reader sees the old content or the new one, never a
 * mix, also after a crash. With `full` durability the data is fsynced before the rename; the
 * directory is not (the caller syncs each directory once per batch).
 */
export async function writeFileAtomic(path: string, text: string, durability: FileDurability): Promise<void> {
  const temporary = join(
    dirname(path),
    `${TEMPORARY_PREFIX}${basename(path)}-${randomBytes(6).toString('hex')}`,
  )
  const handle = await open(temporary, 'w')
  try {
    await handle.writeFile(text, 'utf8')
    if (durability === 'full') await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(temporary, path)
  } catch (error) {
    await unlink(temporary).catch(() => {})
    throw error
  }
}

/** Reads a file as text; undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
}

/** Deletes a file; no error when it is already gone. */
export async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path)
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
