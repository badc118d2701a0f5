/**
 * The runner's settings (`new Runtime({ runner })`): concurrency, retries, timeout and orphan
 * detection of submitted runs, each checked and given its default when the runner is created.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { JsonObject } from '../util/json.js'
import { positiveInteger, positiveMilliseconds } from './check-run-options.js'
import type { RunQueue } from './run-queue.js'

/** The runner's settings (`new Runtime({ runner })`); every one has a default. */
export interface RunnerSettings {
  /** Runs this process executes at once (default 16). */
  concurrency?: number
  /** Retries of a failed run, each continuing from its last checkpoint (default 3). */
  retries?: number
  /** A submitted run's timeout in milliseconds (default 300,000: 5 minutes). */
  timeoutMs?: number
  /** The wait before the first retry, doubled for each next one up to 10 s (default 250 ms). */
  retryDelayMs?: number
  /**
   * A `queued` or `running` run that no process executes and that has not been written for this
   * long is an orphan: it is resumed from its checkpoint, or failed when it cannot be (default
   * 60,000 ms). Checked when the worker starts and then every `orphanAfterMs`.
   */
  orphanAfterMs?: number
  /**
   * Whether this runtime executes queued runs (default: true for the in-process queue, false for
   * a distributed one; `runtime.work()` or `startWorker()` turns it on).
   */
  worker?: boolean
  /**
   * The run context of runs that arrive without one (through a distributed queue, or after a
   * restart): called with the run's id, runnable name and metadata. Never stored.
   */
  context?: (run: { runId: string; name: string; metadata: JsonObject | undefined }) => unknown
}

/** The settings the runner works with: every one but `context` given. */
export type ResolvedRunnerSettings = Required<Omit<RunnerSettings, 'context'>> &
  Pick<RunnerSettings, 'context'>

/** Checks the runner's settings and fills in the defaults; a bad value is a `ConfigError`. */
export function resolveRunnerSettings(settings: RunnerSettings, queue: RunQueue): ResolvedRunnerSettings {
  const where = 'new Runtime({ runner })'
  return {
    concurrency: positiveInteger(settings.concurrency, 16, `${where}: concurrency`),
    retries: nonNegativeInteger(settings.retries, 3, `${where}: retries`),
    timeoutMs:
      settings.timeoutMs === undefined
        ? 300_000
        : positiveMilliseconds(settings.timeoutMs, `${where}: timeoutMs`),
    retryDelayMs:
      settings.retryDelayMs === undefined
        ? 250
        : positiveMilliseconds(settings.retryDelayMs, `${where}: retryDelayMs`),
    orphanAfterMs:
      settings.orphanAfterMs === undefined
        ? 60_000
        : positiveMilliseconds(settings.orphanAfterMs, `${where}: orphanAfterMs`),
    worker: settings.worker ?? !queue.distributed,
    ...(settings.context === undefined ? {} : { context: settings.context }),
  }
}

function nonNegativeInteger(value: unknown, fallback: number, field: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError({ message: `${field} must be an integer >= 0; got ${JSON.stringify(value)}.` })
  }
  return value
}
