import type Database from 'better-sqlite3'
import { ConfigError } from '../../errors/errors.js'
import { createStorage } from '../create-storage.js'
import { isSafeIdentifier } from '../sql-migrations.js'
import type { Storage } from '../storage.js'
import { BetterSqlite3 } from './better-sqlite3-module.js'
import { createSqliteDriver } from './sqlite-driver.js'
import { retryWhileBusy, sqliteError } from './sqlite-errors.js'

/** Options of {@link createSqliteStorage}. */
export interface SqliteStorageOptions {
  /** The database file (created if missing), or `:memory:`. */
  path: string
  /**
   * `FULL` (default): a commit is on disk when it returns, even after a power loss. `NORMAL`: in WAL
   * mode a commit survives a crash of the process but the last ones may be lost on a power loss or
   * OS crash; several times faster. `EXTRA` adds a sync of the directory.
   */
  synchronous?: 'FULL' | 'NORMAL' | 'EXTRA'
  /** How long a write waits for another process's write lock, in ms (default 5000). */
  busyTimeoutMs?: number
  /** Prefix of the table names (default `agentloop_`): letters, digits, underscores. */
  tablePrefix?: string
  /**
   * Group commit (default true): the writes of concurrent runs asked for in one turn of the event
   * loop go to disk in one transaction (one sync), each still atomic and compare-and-set checked on
   * its own, and each caller is answered after that transaction is durable. Several times the
   * throughput of many concurrent durable runs. `false`: one transaction per write, started at once.
   */
  groupCommit?: boolean
}

const levels = new Set(['FULL', 'NORMAL', 'EXTRA'])

/**
 * WAL pages written before a commit copies them into the database (SQLite's default: 1,000, about
 * 4 MB). A checkpoint writes each page once however often it changed since the last one, and with
 * `NORMAL` it is the only sync to disk: every ~100 checkpoints of durable runs at the default, it
 * blocked the event loop for milliseconds. 10,000 pages (about 40 MB of WAL) do it a tenth as often
 * and copy the pages that every run touches (the end of each index) once instead of ten times.
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000
/** The WAL file is truncated to this size after a checkpoint (it would otherwise stay at its largest). */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024

/**
 * A `Storage` in one SQLite file, with better-sqlite3: WAL journal, `synchronous=FULL` by default,
 * schema migrations on open. Safe to share between processes on one machine (not over NFS).
 */
export function createSqliteStorage(options: SqliteStorageOptions): Storage {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new ConfigError({
      message:
        "createSqliteStorage: path must be the database file's path (or ':memory:'), e.g. { path: './agentloop.db' }.",
    })
  }
  const synchronous = options.synchronous ?? 'FULL'
  if (!levels.has(synchronous)) {
    throw new ConfigError({
      message: `createSqliteStorage: synchronous must be 'FULL', 'NORMAL' or 'EXTRA'; got ${JSON.stringify(options.synchronous)}.`,
    })
  }
  const prefix = options.tablePrefix ?? 'agentloop_'
  if (!isSafeIdentifier(prefix)) {
    throw new ConfigError({
      message: `createSqliteStorage: tablePrefix must be letters, digits and underscores (at most 41); got ${JSON.stringify(prefix)}.`,
    })
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new ConfigError({
      message: `createSqliteStorage: busyTimeoutMs must be a non-negative integer; got ${busyTimeoutMs}.`,
    })
  }
  if (options.groupCommit !== undefined && typeof options.groupCommit !== 'boolean') {
    throw new ConfigError({
      message: `createSqliteStorage: groupCommit must be true or false; got ${JSON.stringify(options.groupCommit)}.`,
    })
  }
  let db: Database.Database
  try {
    db = new BetterSqlite3(options.path, { timeout: busyTimeoutMs })
  } catch (error) {
    throw new ConfigError({
      message: `createSqliteStorage: cannot open ${JSON.stringify(options.path)}: ${(error as Error).message}. Check that the directory exists and is writable.`,
      cause: error,
    })
  }
  try {
    try {
      retryWhileBusy(() => db.pragma('journal_mode = WAL'), busyTimeoutMs)
      db.pragma(`synchronous = ${synchronous}`)
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`)
    } catch (error) {
      throw sqliteError(error, { file: options.path, busyTimeoutMs, phase: 'open' })
    }
    return createStorage(
      createSqliteDriver(db, {
        prefix,
        busyTimeoutMs,
        ...(options.groupCommit === undefined ? {} : { groupCommit: options.groupCommit }),
      }),
    )
  } catch (error) {
    db.close()
    throw error
  }
}
