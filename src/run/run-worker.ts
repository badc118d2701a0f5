/**
 * The runner's worker side: the runs this process executes. Each job the queue hands over runs in
 * attempts until it ends, a failure that may be retried continuing from the last checkpoint after
 * a growing delay. The worker keeps each run's abort controller (cancellation, shutdown), the run
 * context given with it, and how it ended, for `wait` in this process.
 *
 * @module
 */
import { RunCancelledError } from '../errors/errors.js'
import { sleep } from '../util/abort.js'
import { withContext } from './observe-runs.js'
import { isRetryable, ownedElsewhere } from './retryable-error.js'
import { attemptRun, type JobServices, type LocalOutcome } from './run-attempt.js'
import type { QueuedRun } from './run-queue.js'

/** A run this process executes. */
interface LocalRun {
  controller: AbortController
  /** Set when the worker stops: the run is left at its checkpoint for another worker. */
  shutdown: boolean
}

/** A run's outcome, settled when it ends here. */
interface DeferredOutcome {
  promise: Promise<LocalOutcome>
  settle(outcome: LocalOutcome): void
}

/** See the module comment. */
export class RunWorker {
  readonly #services: JobServices
  readonly #local = new Map<string, LocalRun>()
  readonly #contexts = new Map<string, unknown>()
  /** Cancellations seen, by run id (kept a while: a job may start after its cancel arrived). */
  readonly #cancelled = new Map<string, number>()
  /**
   * How runs executed here ended, for `wait` in this process (no storage read), kept a minute
   * after the run ends.
   */
  readonly #outcomes = new Map<string, DeferredOutcome>()

  constructor(services: JobServices) {
    this.#services = services
  }

  /** Runs executing in this process. */
  get active(): number {
    return this.#local.size
  }

  /** Whether this process executes the run. */
  executes(runId: string): boolean {
    return this.#local.has(runId)
  }

  /** The run context the run gets when it executes here (it is never stored). */
  giveContext(runId: string, context: unknown): void {
    this.#contexts.set(runId, context)
  }

  /** Remembers a cancellation: a job of the run that starts later is cancelled at once. */
  noteCancel(runId: string): void {
    const now = Date.now()
    this.#cancelled.set(runId, now)
    // Forget old ones: a cancel matters only to a job that starts soon after it.
    if (this.#cancelled.size > 10_000) {
      for (const [id, time] of this.#cancelled) if (now - time > 600_000) this.#cancelled.delete(id)
    }
  }

  /** A cancellation arrived (`runtime.cancel`, from any process): stops the run if it executes here. */
  cancel(runId: string): void {
    this.noteCancel(runId)
    this.#local
      .get(runId)
      ?.controller.abort(new RunCancelledError({ message: `Run "${runId}" was cancelled (runtime.cancel).` }))
  }

  /** Stops every run executing here at its last checkpoint (status `running`), for another worker. */
  shutdown(): void {
    for (const local of this.#local.values()) {
      local.shutdown = true
      local.controller.abort(
        new RunCancelledError({
          message: 'The worker is shutting down; the run continues from its checkpoint elsewhere.',
        }),
      )
    }
  }

  /** The outcome of a run executed in this process, if it is (or was, in the last minute). */
  outcome(runId: string): Promise<LocalOutcome> | undefined {
    return this.#outcomes.get(runId)?.promise
  }

  /** Drops what this process remembers of a run's end (it continues: a resume). */
  forget(runId: string): void {
    const entry = this.#outcomes.get(runId)
    if (entry !== undefined && !this.#local.has(runId)) this.#outcomes.delete(runId)
  }

  /** The deferred outcome of a run this process executes (created at submit with a local queue). */
  expectOutcome(runId: string): DeferredOutcome {
    let entry = this.#outcomes.get(runId)
    if (entry === undefined) {
      let settle: (outcome: LocalOutcome) => void = () => {}
      const promise = new Promise<LocalOutcome>((resolve) => {
        settle = resolve
      })
      entry = { promise, settle }
      this.#outcomes.set(runId, entry)
    }
    return entry
  }

  /** Executes one job: attempts until the run ends, retrying failures from the last checkpoint. */
  async execute(job: QueuedRun): Promise<'done' | 'requeue'> {
    const { runId } = job
    if (this.#local.has(runId)) return 'done'
    const outcome = this.expectOutcome(runId)
    let ended: LocalOutcome = { ended: false }
    try {
      const result = await this.#executeAttempts(job)
      if (result === 'requeue') return 'requeue'
      ended = result
      return 'done'
    } finally {
      outcome.settle(ended)
      // Kept a while for a `wait` that comes late; after that, wait reads storage.
      setTimeout(() => {
        if (this.#outcomes.get(runId) === outcome) this.#outcomes.delete(runId)
      }, 60_000).unref?.()
    }
  }

  async #executeAttempts(job: QueuedRun): Promise<LocalOutcome | 'requeue'> {
    const { runId } = job
    const { settings } = this.#services
    const local: LocalRun = { controller: new AbortController(), shutdown: false }
    if (this.#cancelled.has(runId)) {
      local.controller.abort(
        new RunCancelledError({ message: `Run "${runId}" was cancelled (runtime.cancel).` }),
      )
    }
    this.#local.set(runId, local)
    try {
      const retries = job.retries ?? settings.retries
      for (let attempt = 1; ; attempt++) {
        let retrying = false
        const willRetry = (error: unknown) => {
          // A worker that shuts down leaves the run at its checkpoint, like a retry would.
          if (local.shutdown) return true
          retrying = attempt <= retries && !local.controller.signal.aborted && isRetryable(error)
          return retrying
        }
        try {
          return await withContext(this.#services.observers, job.trace, () =>
            attemptRun({
              services: this.#services,
              contexts: this.#contexts,
              job,
              attempt,
              signal: local.controller.signal,
              willRetry,
            }),
          )
        } catch (error) {
          if (local.shutdown) return 'requeue'
          if (!retrying) return ownedElsewhere(error) ? { ended: false } : { ended: true, error }
          const delay = Math.min(settings.retryDelayMs * 2 ** (attempt - 1), 10_000)
          await sleep(delay, local.controller.signal).catch(() => {})
        }
      }
    } finally {
      this.#local.delete(runId)
      this.#contexts.delete(runId)
    }
  }
}
