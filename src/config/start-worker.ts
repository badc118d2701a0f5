/**
 * `startWorker`: a process that executes queued runs (`agentloop worker`). It builds the runtime
 * from the configuration and a config module (or takes yours), starts taking runs, and on SIGTERM
 * (or SIGINT) stops gracefully: no new runs, those under way get `shutdownGraceMs` to finish, the
 * others stop at their last checkpoint and go back to the queue for another worker.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { Runtime } from '../run/runtime.js'
import { type AgentLoopConfig, loadConfig } from './load-config.js'
import {
  createRuntimeFromConfig,
  importConfigModule,
  type ConfigModuleExport,
} from './runtime-from-config.js'

/** Options of {@link startWorker}: give `runtime`, or `configModule` (and optionally `config`). */
export interface StartWorkerOptions {
  /** A runtime you built (its queue should be shared with the processes that submit). */
  runtime?: Runtime
  /** A config module: a path or URL, or its default export itself. */
  configModule?: string | ConfigModuleExport
  /** The configuration (default: `loadConfig()` from the environment and `.env`). */
  config?: AgentLoopConfig
  /** Signals that stop the worker gracefully (default SIGTERM and SIGINT); `false` installs none. */
  signals?: readonly NodeJS.Signals[] | false
  /** How long runs under way may take to finish when the worker stops (default: the config's, 10 s). */
  graceMs?: number
  /** Where the worker reports starting and stopping (default: nothing). */
  log?: (line: string) => void
}

/** A running worker. */
export interface RunningWorker {
  readonly runtime: Runtime
  /** Stops gracefully (the same as SIGTERM); resolves once everything is closed. */
  stop(): Promise<void>
  /** Resolves once the worker has stopped (by `stop` or a signal). */
  readonly stopped: Promise<void>
}

/** Starts a worker process; resolves once it takes runs. */
export async function startWorker(options: StartWorkerOptions = {}): Promise<RunningWorker> {
  if (options.runtime === undefined && options.configModule === undefined) {
    throw new ConfigError({
      message:
        'startWorker: give { runtime } or { configModule } (a module whose default export registers the runnables).',
    })
  }
  const log = options.log ?? (() => {})
  let runtime: Runtime
  let close: (graceMs: number | undefined) => Promise<void>
  let graceMs = options.graceMs
  if (options.runtime !== undefined) {
    runtime = options.runtime
    close = (grace) => runtime.close(grace === undefined ? {} : { graceMs: grace })
  } else {
    const config = options.config ?? loadConfig()
    graceMs ??= config.shutdownGraceMs
    const setup =
      typeof options.configModule === 'string'
        ? await importConfigModule(options.configModule)
        : options.configModule
    const configured = await createRuntimeFromConfig(config, setup)
    runtime = configured.runtime
    close = (grace) => configured.close(grace === undefined ? {} : { graceMs: grace })
  }
  await runtime.work()
  log(
    `agentloop worker: taking runs (${
      runtime.runnables
        .list()
        .map((entry) => entry.name)
        .join(', ') || 'no runnables'
    })`,
  )

  let resolveStopped = () => {}
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve
  })
  let stopping: Promise<void> | undefined
  const signals = options.signals === false ? [] : (options.signals ?? ['SIGTERM', 'SIGINT'])
  const onSignal = (signal: NodeJS.Signals) => {
    log(`agentloop worker: ${signal}, stopping (runs under way get ${graceMs ?? 10_000} ms)`)
    void stop()
  }
  const stop = () => {
    stopping ??= (async () => {
      for (const signal of signals) process.off(signal, onSignal)
      try {
        await close(graceMs)
      } finally {
        log('agentloop worker: stopped')
        resolveStopped()
      }
    })()
    return stopping
  }
  for (const signal of signals) process.on(signal, onSignal)
  return { runtime, stop, stopped }
}
