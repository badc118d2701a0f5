/**
 * What every command handler receives: where to write, the process around it, and the services,
 * opened on first use (so `--help` and bad flags never touch the storage) and closed by `main`.
 *
 * @module
 */
import type { ExitCode } from './exit-codes.js'
import { type CliStreams, Output } from './output.js'
import { type CliServices, openServices } from './services.js'

/** Global flags, shared by every command. */
export interface GlobalOptions {
  config?: string
  db?: string
  json?: boolean
  quiet?: boolean
}

/** The process a command runs in (the real one, or a test's). */
export interface CliProcess {
  streams: CliStreams
  env: NodeJS.ProcessEnv
  cwd: string
  /** Aborted on Ctrl-C (SIGINT) and SIGTERM. */
  signal: AbortSignal
  /** Reads all of stdin (for an input given as `-`). */
  readStdin(): Promise<string>
}

/** The context of one command. */
export class CommandContext {
  readonly process: CliProcess
  readonly global: GlobalOptions
  readonly output: Output
  #services: Promise<CliServices> | undefined

  constructor(process: CliProcess, global: GlobalOptions) {
    this.process = process
    this.global = global
    this.output = new Output(process.streams, {
      json: global.json === true,
      quiet: global.quiet === true,
      env: process.env,
    })
  }

  /**
   * The services, opened once. One-shot commands never execute queued runs (`worker: false`);
   * `serve` and `worker` say otherwise.
   */
  services(
    options: { worker?: boolean | undefined; concurrency?: number | undefined } = { worker: false },
  ): Promise<CliServices> {
    this.#services ??= openServices({
      config: this.global.config,
      db: this.global.db,
      cwd: this.process.cwd,
      env: this.process.env,
      worker: options.worker,
      concurrency: options.concurrency,
    })
    return this.#services
  }

  /** Closes the services if they were opened. */
  async close(): Promise<void> {
    const services = this.#services
    this.#services = undefined
    if (services !== undefined) await (await services.catch(() => undefined))?.close()
  }
}

/** A command's implementation: resolves its exit code. */
export type CommandHandler<TArgs extends unknown[], TOptions> = (
  context: CommandContext,
  options: TOptions,
  ...args: TArgs
) => Promise<ExitCode>
