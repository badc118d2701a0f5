/**
 * Configuration from the environment and worker processes: `loadConfig()` reads `DATABASE_URL`,
 * `REDIS_URL`, the queue and bus backends, the default model and the runner's limits (from `.env`
 * too), `createRuntimeFromConfig` builds the storage, queue, bus and runtime they name, and
 * `startWorker` runs a worker with graceful shutdown. See docs/runner.md.
 *
 * @example
 * import { loadConfig, startWorker } from 'agentloop/config'
 * const worker = await startWorker({ config: loadConfig(), configModule: './agentloop.config.js' })
 * await worker.stopped
 *
 * @module
 */
export {
  type AgentLoopConfig,
  type LoadConfigOptions,
  loadConfig,
  redactUrl,
  type StorageConfig,
} from './load-config.js'
export {
  type ConfigModuleExport,
  type ConfiguredRuntime,
  createBusFromConfig,
  createQueueFromConfig,
  createRuntimeFromConfig,
  createStorageFromConfig,
  importConfigModule,
  type RuntimeSetup,
} from './runtime-from-config.js'
export { type RunningWorker, type StartWorkerOptions, startWorker } from './start-worker.js'
// Circuit breakers per provider endpoint (docs/resilience.md): production wiring, like the rest here.
export { createCircuitBreakers } from '../model/circuit-breakers.js'
