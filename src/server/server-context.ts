import type { Logger } from 'pino'
import type { CircuitBreakers } from '../model/circuit-breakers.js'
import type { Runtime } from '../run/runtime.js'
import type { Storage } from '../storage/storage.js'
import type { ApiKeyStore } from './api-key-store.js'
import type { Limits } from './rate-limits.js'
import type { Spend } from './spend.js'

/** What the routes share: built once by `createServer`. */
export interface ServerContext {
  runtime: Runtime
  /** The runtime's storage, or a memory one kept by the server (keys, agents, providers, sessions). */
  storage: Storage
  keys: ApiKeyStore
  limits: Limits
  logger: Logger
  /** Set once shutdown begins: readiness fails and new runs are refused. */
  draining: boolean
  /** Checks extra dependencies for readiness (Redis...): resolves when reachable. */
  readinessChecks: Record<string, () => Promise<unknown>>
  /** The circuit breakers shown in `/health` and reset by admins, when configured. */
  circuitBreakers: CircuitBreakers | undefined
  startedAt: number
  /** Usage and budgets, when the server was given `spend`. */
  spend: Spend | undefined
  /** Owners of the keys given in `apiKeys`, by key id (`config:<n>`). */
  configuredOwners: ReadonlyMap<string, string>
}
