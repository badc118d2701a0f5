/**
 * The pieces of the system around the library that the command line starts: the HTTP server
 * (`agentloop/server`), the API key store, and queue workers. Each is one function, so the commands
 * do not care where they come from.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import { importOptionalPeer } from '../errors/optional-peer.js'
import { createToolRegistry } from '../tool/tool-registry.js'
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

/** Loads a module of `agentloop/server`, whose peers (hono...) are optional. */
function serverModule<T>(load: () => Promise<T>, what: string): Promise<T> {
  return importOptionalPeer(load, { packageName: 'hono', subpath: what })
}

/** The API key store kept in the services' storage (the one the server reads). */
export async function openKeyStore(services: CliServices): Promise<CliKeyStore> {
  const { createApiKeyStore } = await serverModule(
    () => import('../server/api-key-store.js'),
    'agentloop keys',
  )
  const store = createApiKeyStore(services.storage)
  return {
    create: (input) => store.create(input as Parameters<typeof store.create>[0]),
    list: (options) => store.list(options),
    revoke: (keyId) => store.revoke(keyId),
  }
}

/** Starts the HTTP server on `port` at `hostname`, with the config's agents, tools and server options. */
export async function startHttpServer(
  services: CliServices,
  options: { port: number; hostname: string; auth: 'keys' | 'none'; apiKeys: string[] },
): Promise<Started> {
  const { createServer } = await serverModule(() => import('../server/create-server.js'), 'agentloop serve')
  const { config } = services
  const fromConfig = (config.server ?? {}) as Record<string, unknown>
  const configured = fromConfig.apiKeys
  const apiKeys = [
    ...options.apiKeys,
    ...(configured === undefined ? [] : Array.isArray(configured) ? configured : [configured]),
  ]
  const server = createServer({
    ...fromConfig,
    runtime: services.runtime,
    agents: config.agents ?? [],
    ...(config.tools === undefined ? {} : { tools: createToolRegistry([...config.tools]) }),
    ...(services.breakers === undefined ? {} : { circuitBreakers: services.breakers }),
    spend: services.spend,
    auth: options.auth,
    hostname: options.hostname,
    apiKeys,
  })
  const listening = await server.listen(options.port)
  return { url: listening.url, close: () => listening.close() }
}

/** Starts a worker that takes runs from the queue (its runtime was opened with `worker: true`). */
export async function startRunWorker(services: CliServices, log: (line: string) => void): Promise<Started> {
  if (services.environment.queue === 'memory') {
    throw new ConfigError({
      message:
        'agentloop worker takes runs from the queue shared with `agentloop serve`, which lives in Redis: set REDIS_URL (and DATABASE_URL to a PostgreSQL both reach). Without Redis, `agentloop serve` executes its runs itself.',
    })
  }
  const { startWorker } = await import('../config/start-worker.js')
  // The command handles SIGINT/SIGTERM itself (its signal), so the worker installs no handlers.
  const worker = await startWorker({ runtime: services.runtime, signals: false, log })
  return { close: () => worker.stop() }
}
