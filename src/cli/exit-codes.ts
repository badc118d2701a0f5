/**
 * The exit codes of the `agentloop` command, one per kind of outcome a script may branch on.
 * docs/cli.md lists them; a test checks each one.
 *
 * @module
 */
import { ConfigError, RunCancelledError } from '../errors/errors.js'

/** Exit codes of `agentloop`. */
export const EXIT = {
  /** Done: the command did what it was asked; a run completed. */
  ok: 0,
  /** The command failed: a run failed, a provider or the storage failed, an unexpected error. */
  failure: 1,
  /** The command line was wrong: unknown command or option, missing or bad argument. */
  usage: 2,
  /** The configuration was wrong: the config module, an environment variable, an option value. */
  config: 3,
  /** What the command names does not exist: a run, an agent, a key. */
  notFound: 4,
  /** The run stopped and waits for a person: `awaiting_approval` or `needs_review`. */
  paused: 5,
  /** The run was cancelled. */
  cancelled: 6,
  /** Interrupted with Ctrl-C (SIGINT), as shells report 128 + 2. */
  interrupted: 130,
} as const

/** One of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** Something the command names does not exist. */
export class NotFoundError extends ConfigError {}

/** The exit code of an error a command threw. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof NotFoundError) return EXIT.notFound
  if (error instanceof ConfigError) return EXIT.config
  if (error instanceof RunCancelledError) return EXIT.cancelled
  return EXIT.failure
}
