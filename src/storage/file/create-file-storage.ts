import { accessSync, constants, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { ConfigError } from '../../errors/errors.js'
import { createStorage } from '../create-storage.js'
import type { Storage } from '../storage.js'
import { createFileDriver } from './file-driver.js'
import type { FileDurability } from './file-io.js'

/** Options of {@link createFileStorage}. */
export interface FileStorageOptions {
  /** The store's directory (created if missing). One directory per store; do not put other files in it. */
  dir: string
  /**
   * `full` (default): every commit is fsynced (files and directories) before it returns, so it
   * survives a power loss. `process`: atomic renames without fsync; a commit survives a crash of
   * the process, but the last ones may be lost on a power loss or OS crash. Several times faster.
   */
  durability?: FileDurability
  /** How long a commit waits for another process's commit, in ms (default 30 000). */
  lockTimeoutMs?: number
  /**
   * A lock file older than this whose holder cannot be checked (it ran on another host) is taken
   * to be left by a dead process and removed, in ms (default 15 000). A holder on this host is
   * checked by its pid at once.
   */
  lockStaleMs?: number
}

const durabilities = new Set(['full', 'process'])

function requireDuration(value: number | undefined, fallback: number, field: string): number {
  const result = value ?? fallback
  if (!Number.isInteger(result) || result < 0) {
    throw new ConfigError({
      message: `createFileStorage: ${field} must be a non-negative integer of milliseconds; got ${JSON.stringify(value)}.`,
    })
  }
  return result
}

/**
 * A `Storage` in a directory of JSON files: no native dependency, one file per record, atomic
 * writes (write then rename, fsynced by default), a journal that makes each batch all or nothing
 * across a crash, and a lock file that serialises commits across processes, so compare-and-set
 * (two workers claiming one run) holds between processes on one machine. Not for network file
 * systems. Past a few thousand runs, prefer SQLite (`agentloop/sqlite`); docs/storage.md has the
 * measured figures.
 */
export function createFileStorage(options: FileStorageOptions): Storage {
  if (typeof options?.dir !== 'string' || options.dir.length === 0) {
    throw new ConfigError({
      message: "createFileStorage: dir must be the store's directory, e.g. { dir: './.agentloop' }.",
    })
  }
  const durability = options.durability ?? 'full'
  if (!durabilities.has(durability)) {
    throw new ConfigError({
      message: `createFileStorage: durability must be 'full' or 'process'; got ${JSON.stringify(options.durability)}.`,
    })
  }
  const lockTimeoutMs = requireDuration(options.lockTimeoutMs, 30_000, 'lockTimeoutMs')
  const lockStaleMs = requireDuration(options.lockStaleMs, 15_000, 'lockStaleMs')
  const dir = resolve(options.dir)
  try {
    mkdirSync(dir, { recursive: true })
    accessSync(dir, constants.R_OK | constants.W_OK)
  } catch (error) {
    throw new ConfigError({
      message: `createFileStorage: cannot use ${JSON.stringify(options.dir)} as the store's directory: ${(error as Error).message}. Give a directory this process can create and write.`,
      cause: error,
    })
  }
  return createStorage(createFileDriver({ dir, durability, lockTimeoutMs, lockStaleMs }))
}
