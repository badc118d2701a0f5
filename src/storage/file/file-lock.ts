/**
 * The lock that serialises commits to one file store across processes: a lock file created with
 * `O_CREAT | O_EXCL` (`open(path, 'wx')`), which the OS creates for exactly one process. Its content
 * names the holder (host, pid, a random token), so a lock left by a process that died is recognised
 * and broken instead of blocking every writer forever.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { sleep } from '../../util/abort.js'
import { StorageError } from '../storage-errors.js'
import { isMissing, unlinkIfExists } from './file-io.js'

/** Options of {@link createFileLock}. */
export interface FileLockOptions {
  /** The lock file. */
  path: string
  /** How long `acquire` waits for another holder before failing. */
  timeoutMs: number
  /**
   * A lock older than this is broken even when its holder cannot be checked (a process on another
   * host, or a holder that died between creating the file and writing its name). Commits hold the
   * lock for milliseconds, so only a dead or frozen holder keeps it this long.
   */
  staleMs: number
}

/** A cross-process mutual exclusion; `acquire` resolves with the function that releases it. */
export interface FileLock {
  acquire(): Promise<() => Promise<void>>
}

interface Holder {
  host: string
  pid: number
  /** Distinguishes this process from an earlier one with the same pid (a restarted container). */
  process: string
  token: string
}

/** Identifies the current process among earlier ones that had the same pid. */
const processToken = randomBytes(8).toString('hex')

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder>
    if (typeof value.host === 'string' && typeof value.pid === 'number' && typeof value.token === 'string') {
      return { host: value.host, pid: value.pid, process: String(value.process), token: value.token }
    }
  } catch {}
  return undefined
}

/** Creates the lock of one store. Within a process, callers must serialise `acquire` themselves. */
export function createFileLock(options: FileLockOptions): FileLock {
  const host = hostname()

  /** Whether the lock file as read (`text`, written `ageMs` ago) belongs to nobody alive. */
  const isStale = (text: string, ageMs: number): boolean => {
    const holder = parseHolder(text)
    if (holder !== undefined && holder.host === host) {
      if (holder.pid === process.pid) return holder.process !== processToken
      return !isAlive(holder.pid)
    }
    return ageMs > options.staleMs
  }

  /**
   * Removes a stale lock file without removing a fresh one another process just created: rename
   * it to a private name, check that the renamed file is the stale one, and put it back otherwise.
   */
  const breakStale = (staleText: string): void => {
    const aside = `${options.path}.stale-${randomBytes(6).toString('hex')}`
    try {
      renameSync(options.path, aside)
    } catch (error) {
      if (isMissing(error)) return
      throw error
    }
    let taken = ''
    try {
      taken = readFileSync(aside, 'utf8')
    } catch {}
    if (taken !== staleText) {
      try {
        linkSync(aside, options.path)
      } catch {}
    }
    unlinkIfExists(aside)
  }

  const tryCreate = (content: string): boolean => {
    try {
      const descriptor = openSync(options.path, 'wx')
      try {
        writeSync(descriptor, content)
      } finally {
        closeSync(descriptor)
      }
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw error
    }
  }

  return {
    async acquire() {
      const token = randomBytes(8).toString('hex')
      const content = JSON.stringify({ host, pid: process.pid, process: processToken, token })
      const started = Date.now()
      let lastHolder = ''
      for (let attempt = 0; ; attempt++) {
        if (tryCreate(content)) {
          return async () => {
            unlinkIfExists(options.path)
          }
        }
        let text: string
        let ageMs: number
        try {
          text = readFileSync(options.path, 'utf8')
          ageMs = Date.now() - statSync(options.path).mtimeMs
        } catch (error) {
          if (isMissing(error)) continue // released meanwhile: try again at once
          throw error
        }
        lastHolder = text
        // an empty file is a holder between creating and writing it: stale only once old
        if ((text.length > 0 || ageMs > options.staleMs) && isStale(text, ageMs)) {
          breakStale(text)
          continue
        }
        if (Date.now() - started > options.timeoutMs) {
          throw new StorageError({
            message: `The file store's lock ${options.path} was held by another writer (${lastHolder || 'unknown holder'}) for over ${options.timeoutMs} ms. If no process is using the store, delete the lock file; otherwise raise lockTimeoutMs.`,
          })
        }
        // short waits first: commits hold the lock for about a millisecond
        await sleep(Math.min(1 + attempt, 20) * (0.5 + Math.random()))
      }
    },
  }
}

/** A promise chain that runs tasks one at a time (the in-process half of the lock). */
export function createSerialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return (task) => {
    const result = tail.then(task)
    tail = result.catch(() => {})
    return result
  }
}
