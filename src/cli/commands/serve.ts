/**
 * `agentloop serve` and `agentloop worker`: long-running processes that stop gracefully on SIGINT
 * or SIGTERM (the signal of the command context).
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import type { CommandContext } from '../command-context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import type { CliServices } from '../services.js'
import { type Started, startHttpServer, startRunWorker } from '../system.js'

/** Options of `agentloop serve`. */
export interface ServeCommandOptions {
  port?: number
  host?: string
  noAuth?: boolean
}

/** The port from `--port`, else `PORT`, else 8000. */
export function portOf(option: number | undefined, env: NodeJS.ProcessEnv): number {
  if (option !== undefined) return option
  const text = env.PORT?.trim()
  if (text === undefined || text === '') return 8000
  const port = Number(text)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError({
      message: `PORT must be a port number from 0 to 65535; got ${JSON.stringify(text)}.`,
    })
  }
  return port
}

/** Reports circuit breaker changes on stderr (the server's own logs carry them as JSON too). */
function reportCircuits(context: CommandContext, services: CliServices): void {
  services.breakers?.onStateChange((change) => {
    const until = change.retryAt === undefined ? '' : ` until ${change.retryAt}`
    const why = change.failure === undefined ? '' : `: ${change.failure.message}`
    context.output.info(
      `circuit ${change.key}: ${change.from} -> ${change.to} (${change.reason})${until}${why}`,
    )
  })
}

/** Serves the HTTP API until the process is asked to stop. */
export async function serveCommand(context: CommandContext, options: ServeCommandOptions): Promise<ExitCode> {
  const { env } = context.process
  const port = portOf(options.port, env)
  const auth = options.noAuth === true ? 'none' : 'keys'
  const hostname = options.host ?? env.HOST ?? (auth === 'none' ? '127.0.0.1' : '127.0.0.1')
  const apiKeys = (env.AGENTLOOP_API_KEYS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '')
  const services = await context.services({ worker: undefined })
  reportCircuits(context, services)
  const spinner = context.output.spinner(`starting the server (${services.storageChoice.kind})`)
  let server: Started
  try {
    server = await startHttpServer(services, { port, hostname, auth, apiKeys })
  } finally {
    spinner.stop()
  }
  context.output.result({ url: server.url, storage: services.storageChoice.kind }, () => '')
  context.output.info(
    `agentloop listening on ${server.url} (storage: ${services.storageChoice.kind} ${services.storageChoice.where})`,
  )
  if (services.configPath === undefined) {
    context.output.info('No agentloop.config.ts found: no agents are registered in code (see docs/cli.md).')
  }
  await untilAborted(context.process.signal)
  context.output.info('shutting down…')
  await server.close()
  return EXIT.ok
}

/** Options of `agentloop worker`. */
export interface WorkerCommandOptions {
  concurrency?: number
}

/** Takes runs from the queue until the process is asked to stop. */
export async function workerCommand(
  context: CommandContext,
  options: WorkerCommandOptions,
): Promise<ExitCode> {
  const services = await context.services({ worker: true, concurrency: options.concurrency })
  reportCircuits(context, services)
  const worker = await startRunWorker(services, (line) => context.output.info(line))
  context.output.info(
    `agentloop worker started (concurrency ${options.concurrency ?? services.environment.concurrency}, storage ${services.storageChoice.kind} ${services.storageChoice.where})`,
  )
  await untilAborted(context.process.signal)
  context.output.info('stopping: runs in flight checkpoint and go back to the queue…')
  await worker.close()
  return EXIT.ok
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
