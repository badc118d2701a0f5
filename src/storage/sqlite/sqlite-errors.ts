/**
 * SQLite's errors in words a user can act on: which file, what is wrong with it, what to do.
 * better-sqlite3 throws `SqliteError` with a `code` (`SQLITE_NOTADB`, `SQLITE_CORRUPT`,
 * `SQLITE_BUSY`...); agentloop never lets one reach the caller raw.
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import { StorageError } from '../storage-errors.js'

/** Where the error happened: the database file and the busy timeout in force. */
export interface SqliteErrorContext {
  file: string
  busyTimeoutMs: number
  /** `open` errors are about the file given to createSqliteStorage: a ConfigError for a bad file. */
  phase: 'open' | 'read' | 'write'
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : ''
}

/**
 * Turns a SQLite error into a `ConfigError` (the file given is not usable: not a database) or a
 * `StorageError` (corrupt, locked, full, read-only...), naming the file and the fix. Errors that are
 * already agentloop errors pass unchanged.
 */
export function sqliteError(error: unknown, context: SqliteErrorContext): Error {
  if (error instanceof StorageError || error instanceof ConfigError) return error
  const code = codeOf(error)
  const file = JSON.stringify(context.file)
  const raw = (error as Error)?.message ?? String(error)
  if (code.startsWith('SQLITE_NOTADB')) {
    return new ConfigError({
      message: `SQLite file ${file} is not a database (${raw}): it may be another kind of file or an encrypted database. Point path at the right database file, or at a new file to start empty.`,
      cause: error,
    })
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    const Kind = context.phase === 'open' ? ConfigError : StorageError
    return new Kind({
      message: `SQLite file ${file} is damaged (${raw}). Stop the processes using it, then restore it from a backup or recover what is readable with \`sqlite3 ${context.file} .recover | sqlite3 repaired.db\`.`,
      cause: error,
    })
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StorageError({
      message: `SQLite file ${file} is locked (${raw}): another connection or process held its write lock for longer than busyTimeoutMs (${context.busyTimeoutMs} ms). Retry, keep transactions in other processes short, or raise busyTimeoutMs.`,
      cause: error,
    })
  }
  if (code.startsWith('SQLITE_FULL')) {
    return new StorageError({
      message: `SQLite file ${file}: the disk is full (${raw}). Free space on its volume; nothing was written by the failed call.`,
      cause: error,
    })
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_PERM')
  ) {
    const Kind = context.phase === 'open' ? ConfigError : StorageError
    return new Kind({
      message: `SQLite file ${file} cannot be written (${raw}). Check that the file and its directory are writable by this process (the WAL journal needs ${context.file}-wal and -shm beside it).`,
      cause: error,
    })
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new StorageError({
      message: `SQLite file ${file}: an I/O error (${raw}). Check the disk and the file system; nothing was written by the failed call.`,
      cause: error,
    })
  }
  if (code.startsWith('SQLITE_')) {
    return new StorageError({
      message: `SQLite ${context.phase} on ${file} failed (${code}: ${raw}).`,
      cause: error,
    })
  }
  return error instanceof Error ? error : new StorageError({ message: raw, cause: error })
}

/**
 * Runs `step` again while SQLite answers `SQLITE_BUSY`, for up to `timeoutMs`. Switching a new file
 * to WAL needs an exclusive lock, and SQLite answers BUSY at once (without waiting for the busy
 * timeout) when another process opening the same new file holds it: two commands started together
 * on a fresh directory would otherwise fail one time in a few hundred.
 */
export function retryWhileBusy<T>(step: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      return step()
    } catch (error) {
      const code = codeOf(error)
      if (!code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw error
      Atomics.wait(pause, 0, 0, wait)
    }
  }
}
