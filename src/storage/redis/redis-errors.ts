/**
 * Redis failures in words a user can act on: which server (host:port, never the password), and
 * what to check. ioredis's own wording ("Reached the max retries per request limit") says nothing
 * about the cause; it is translated.
 *
 * @module
 */
import { AgentLoopError } from '../../errors/errors.js'
import { StorageError } from '../storage-errors.js'

/** The server a Redis URL names, as `host:port`. */
export function redisServerOf(url: string | undefined): string {
  if (url === undefined) return 'the server of the client given'
  try {
    const parsed = new URL(url)
    return `${parsed.hostname || '127.0.0.1'}:${parsed.port || '6379'}`
  } catch {
    return 'the server in url'
  }
}

/** A Redis failure as a StorageError; agentloop's own errors pass unchanged. */
export function redisError(what: string, error: unknown, server: string): Error {
  if (error instanceof AgentLoopError) return error
  const raw = (error as Error | null)?.message ?? String(error)
  const code = (error as { code?: unknown } | null)?.code
  let message = `Redis ${what} failed: ${raw}.`
  if (/max retries per request/i.test(raw) || code === 'ECONNREFUSED') {
    message = `Redis ${what} failed: cannot reach Redis at ${server} (the connection failed and ioredis gave up retrying). Is the server running? Check the host and port of url (often REDIS_URL).`
  } else if (/Connection is closed/i.test(raw)) {
    message = `Redis ${what} failed: the connection to ${server} is closed (storage.close() was called, or the server went away). Check that Redis is running, and that the storage is not used after close().`
  } else if (/NOAUTH|WRONGPASS|invalid password/i.test(raw)) {
    message = `Redis ${what} failed: ${server} refused the credentials (${raw}). Check the password in url.`
  } else if (/NOSCRIPT|unknown command|ERR Error running script/i.test(raw)) {
    message = `Redis ${what} failed at ${server}: ${raw}. agentloop needs Redis 6.2 or later with Lua scripting (not Redis Cluster).`
  }
  return new StorageError({ message: message.replace('..', '.'), cause: error })
}
