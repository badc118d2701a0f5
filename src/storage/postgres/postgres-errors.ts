/**
 * PostgreSQL failures in words a user can act on, and which of them are worth a retry. A
 * connection the server ended (restart, failover, `pg_terminate_backend`, a proxy's idle timeout)
 * is retried with a fresh connection; everything else becomes a `StorageError` naming the server
 * (host:port, never the password) and what to check.
 *
 * @module
 */
import { AgentLoopError } from '../../errors/errors.js'
import { StorageError } from '../storage-errors.js'

/** SQLSTATEs and socket codes of a connection that ended under a query: safe to retry elsewhere. */
const LOST = new Set([
  '57P01', // admin_shutdown: terminated by pg_terminate_backend or a fast shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting or shutting down
  '08000',
  '08003',
  '08006',
  'ECONNRESET',
  'EPIPE',
])

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : ''
}

/** Whether the error says the connection was lost (the statement may be retried on another one). */
export function isConnectionLost(error: unknown): boolean {
  if (LOST.has(codeOf(error))) return true
  const message = (error as Error | null)?.message ?? ''
  return /Connection terminated|connection error and is not queryable|Client was closed and is not queryable/i.test(
    message,
  )
}

/** The server a connection string names, as `host:port` (no user, no password). */
export function serverOf(connectionString: string | undefined): string {
  if (connectionString === undefined) return 'the server of the pool given'
  try {
    const url = new URL(connectionString)
    return `${url.hostname || 'localhost'}:${url.port || '5432'}`
  } catch {
    return 'the server in connectionString'
  }
}

/** A PostgreSQL failure as a StorageError; agentloop's own errors pass unchanged. */
export function postgresError(what: string, error: unknown, server: string): Error {
  if (error instanceof AgentLoopError) return error
  const code = codeOf(error)
  const raw = (error as Error | null)?.message ?? String(error)
  let hint = ''
  if (code === 'ECONNREFUSED')
    hint = ` Nothing accepts connections at ${server}: is the server running? Check the host and port of connectionString (often DATABASE_URL).`
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    hint = ` The host of ${server} does not resolve: check connectionString (often DATABASE_URL).`
  else if (code === 'ETIMEDOUT')
    hint = ` ${server} did not answer: check the network, a firewall, and connectionString.`
  else if (code === '28P01' || code === '28000')
    hint = ` The server at ${server} refused the credentials: check the user and password of connectionString.`
  else if (code === '3D000') hint = ` Create the database on ${server}, or fix its name in connectionString.`
  else if (isConnectionLost(error))
    hint = ` The connection to ${server} was lost (server restart, failover or a terminated backend) and retrying did not help.`
  return new StorageError({
    message: `PostgreSQL ${what} failed: ${raw}.${hint}`.replace('..', '.'),
    cause: error,
  })
}
