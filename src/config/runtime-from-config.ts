/**
 * Builds what the configuration names: the storage (SQLite, PostgreSQL or memory), the queue
 * (in-process or BullMQ) and the bus (in-process or Redis), and a `Runtime` over them with the
 * runnables of a config module. Drivers load only when chosen.
 *
 * @module
 */
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import { ConfigError } from '../errors/errors.js'
import { createInProcessEventBus, type EventBus } from '../run/event-bus.js'
import { createInProcessQueue, type RunQueue } from '../run/run-queue.js'
import { Runtime } from '../run/runtime.js'
import type { RuntimeOptions } from '../run/runtime-options.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import type { AgentLoopConfig } from './load-config.js'

/**
 * What a config module gives: runtime options (agents, runnables, hooks, runner settings...).
 * `storage`, `queue` and `bus` default to those the configuration names.
 */
export type RuntimeSetup = RuntimeOptions

/**
 * A config module's default export: the options, or a function of the configuration returning
 * them (it may be async, to open what the runnables need).
 *
 * @example
 * // agentloop.config.js
 * export default (config) => ({ agents: [support], runnables: [nightlyReport] })
 */
export type ConfigModuleExport =
  | RuntimeSetup
  | ((config: AgentLoopConfig) => RuntimeSetup | Promise<RuntimeSetup>)

/** A runtime built from the configuration, with what it opened (closed by `close`). */
export interface ConfiguredRuntime {
  runtime: Runtime
  config: AgentLoopConfig
  /** Stops the runtime (`runtime.close`), then closes the storage it opened. */
  close(options?: { graceMs?: number }): Promise<void>
}

/** Opens the storage `config.storage` names. */
export async function createStorageFromConfig(config: AgentLoopConfig): Promise<Storage> {
  const choice = config.storage
  switch (choice.backend) {
    case 'memory':
      return createMemoryStorage()
    case 'sqlite': {
      const { createSqliteStorage } = await import('../storage/sqlite/create-sqlite-storage.js')
      return createSqliteStorage({ path: choice.path })
    }
    case 'postgres': {
      const { createPostgresStorage } = await import('../storage/postgres/create-postgres-storage.js')
      return createPostgresStorage({ connectionString: choice.url })
    }
    default:
      choice satisfies never
      throw new ConfigError({ message: 'Unknown storage backend.' })
  }
}

/** Creates the queue `config.queue` names. */
export async function createQueueFromConfig(config: AgentLoopConfig): Promise<RunQueue> {
  if (config.queue === 'memory') return createInProcessQueue()
  const { createBullMqQueue } = await import('../queue/bullmq-queue.js')
  return createBullMqQueue({ url: config.redisUrl as string, prefix: config.prefix })
}

/** Creates the bus `config.bus` names. */
export async function createBusFromConfig(config: AgentLoopConfig): Promise<EventBus> {
  if (config.bus === 'memory') return createInProcessEventBus()
  const { createRedisEventBus } = await import('../queue/redis-event-bus.js')
  return createRedisEventBus({ url: config.redisUrl as string, prefix: config.prefix })
}

/** Imports a config module (a path from the working directory, or a URL) and returns its default export. */
export async function importConfigModule(specifier: string): Promise<ConfigModuleExport> {
  const url = /^[a-z][a-z\d+.-]*:/i.test(specifier) ? specifier : pathToFileURL(resolve(specifier)).href
  let module: { default?: unknown }
  try {
    module = (await import(url)) as { default?: unknown }
  } catch (error) {
    throw new ConfigError({
      message: `The config module ${specifier} could not be loaded: ${(error as Error).message}. Give the path of a JavaScript module (run TypeScript through tsx).`,
      cause: error,
    })
  }
  const setup = module.default
  if (setup === null || (typeof setup !== 'object' && typeof setup !== 'function')) {
    throw new ConfigError({
      message: `The config module ${specifier} must export default the runtime options ({ agents, runnables, ... }) or a function (config) => options.`,
    })
  }
  return setup as ConfigModuleExport
}

/**
 * A runtime over the configured storage, queue and bus, with the options of `setup` (a config
 * module's default export) and the configured runner settings under them.
 */
export async function createRuntimeFromConfig(
  config: AgentLoopConfig,
  setup: ConfigModuleExport = {},
): Promise<ConfiguredRuntime> {
  const options = typeof setup === 'function' ? await setup(config) : setup
  if (options === null || typeof options !== 'object') {
    throw new ConfigError({
      message: 'The config module function must return runtime options ({ agents, runnables, ... }).',
    })
  }
  const storage = options.storage ?? (await createStorageFromConfig(config))
  const ownsStorage = options.storage === undefined
  try {
    const runtime = new Runtime({
      ...options,
      storage,
      queue: options.queue ?? (await createQueueFromConfig(config)),
      bus: options.bus ?? (await createBusFromConfig(config)),
      runner: {
        concurrency: config.concurrency,
        retries: config.retries,
        timeoutMs: config.runTimeoutMs,
        orphanAfterMs: config.orphanAfterMs,
        ...options.runner,
      },
    })
    return {
      runtime,
      config,
      async close(closeOptions = {}) {
        await runtime.close({ graceMs: closeOptions.graceMs ?? config.shutdownGraceMs })
        if (ownsStorage) await storage.close()
      },
    }
  } catch (error) {
    if (ownsStorage) await storage.close().catch(() => {})
    throw error
  }
}
