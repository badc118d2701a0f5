/**
 * The pieces of the system around the library that the command line starts: the HTTP server
 * (`agentloop/server`), the API key store, and queue workers. Each is one function, so the commands
 * do not care where they come from.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { CliServices } from './services.js'

/** A key as listed: never its secret. */
export interface CliKeyInfo {
  keyId: string
  owner: string
  scopes: string[]
  name?: string | undefined
  createdAt: number
  expiresAt?: number | undefined
  revokedAt?: number | undefined
}

/** The API key store the `keys` commands use. */
export interface CliKeyStore {
  create(input: { owner?: string; scopes?: string[]; name?: string; expiresAt?: number }): Promise<{
    key: string
    info: CliKeyInfo
  }>
  list(options?: { owner?: string }): Promise<CliKeyInfo[]>
  revoke(keyId: string): Promise<boolean>
}

/** A started server or worker. */
export interface Started {
  /** Where it listens (servers). */
  url?: string
  /** Graceful stop. */
  close(): Promise<void>
}

function notYet(what: string): never {
  throw new ConfigError({ message: `${what} is not part of this build of agentloop yet.` })
}

/** The API key store kept in the services' storage. */
export async function openKeyStore(_services: CliServices): Promise<CliKeyStore> {
  return notYet('The API key store (agentloop/server)')
}

/** Starts the HTTP server on `port` at `hostname`. */
export async function startHttpServer(
  _services: CliServices,
  _options: { port: number; hostname: string; auth: 'keys' | 'none'; apiKeys: string[] },
): Promise<Started> {
  return notYet('The HTTP server (agentloop/server)')
}

/** Starts a worker that takes runs from the queue. */
export async function startRunWorker(
  services: CliServices,
  _options: { concurrency: number },
): Promise<Started> {
  if (!services.env.REDIS_URL) {
    throw new ConfigError({
      message:
        'agentloop worker takes runs from the queue shared with `agentloop serve`, which lives in Redis: set REDIS_URL (and DATABASE_URL to a PostgreSQL both reach). Without Redis, `agentloop serve` executes its runs itself.',
    })
  }
  return notYet('The Redis queue (BullMQ)')
}
