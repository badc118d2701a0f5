/**
 * The runner behind `runtime.submit / wait / cancel / events`: stores a submitted run as `queued`,
 * hands it to the queue, has its worker (run-worker.ts) execute the jobs it takes, publishes
 * stored events on the bus, carries cancellations to the process running the run, and finds
 * orphan runs (left `running` or `queued` by a process that died; recover-orphans.ts).
 *
 * @module
 */
import { ConfigError, RunCancelledError } from '../errors/errors.js'
import type { RunEvent, RunStatus } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import type { RunCheckpoint } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import { StorageConflictError } from '../storage/storage-errors.js'
import { sleep } from '../util/abort.js'
import { awaitRunEnd } from './await-run-end.js'
import { endStoredRun } from './end-stored-run.js'
import type { ControlMessage, Unsubscribe } from './event-bus.js'
import { followRun } from './follow-run.js'
import { checkpointState } from './load-run.js'
import { injectContext } from './observe-runs.js'
import { recoverOrphans } from './recover-orphans.js'
import { storeResumeInput } from './resume-runnable.js'
import type { JobServices } from './run-attempt.js'
import type { RunQueue } from './run-queue.js'
import type { RunResult } from './run-result.js'
import { RunWorker } from './run-worker.js'
import type { ResumeOptions } from './runtime-options.js'
import { storedResult } from './stored-result.js'
import { type SubmitOptions, storeSubmittedRun } from './submit-run.js'

/** What the runner needs from the runtime. */
export interface RunnerOptions extends JobServices {
  queue: RunQueue
  /** Whether the runtime executes the run outside the runner (`run`, `stream`, `resume`). */
  executingHere(runId: string): boolean
}

/** See the module comment. */
export class Runner {
  readonly #options: RunnerOptions
  readonly #worker: RunWorker
  #control: Promise<Unsubscribe> | undefined
  #working: Promise<void> | undefined
  #orphanTimer: ReturnType<typeof setInterval> | undefined
  #closing = false

  constructor(options: RunnerOptions) {
    this.#options = options
    this.#worker = new RunWorker(options)
  }

  get storage(): Storage {
    return this.#options.storage
  }

  /** Publishes a stored event of a run executing outside the runner (a resume). */
  publish(runId: string, event: RunEvent): void {
    this.#options.bus.publish(runId, [event])
  }

  /** Runs executing in this process. */
  get active(): number {
    return this.#worker.active
  }

  async submit(
    name: string,
    input: string | readonly Message[],
    options: SubmitOptions = {},
  ): Promise<{ runId: string }> {
    const { registry, find, queue, storage } = this.#options
    if (this.#closing)
      throw new ConfigError({ message: 'submit: the runtime is closing; no run can be submitted.' })
    const { runId, start } = await storeSubmittedRun({ storage, queue, registry, find, name, input, options })
    if (options.context !== undefined) this.#worker.giveContext(runId, options.context)
    // This process will execute it: wait can take its result without reading storage.
    if (!queue.distributed && this.#options.settings.worker) this.#worker.expectOutcome(runId)
    await this.#subscribeControl()
    // The submitter's trace context travels with the job: the worker's run continues its trace.
    const trace = injectContext(this.#options.observers)
    await queue.enqueue({
      runId,
      name,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
      ...(trace === undefined ? {} : { trace }),
      ...(start === undefined ? {} : { start }),
    })
    if (this.#options.settings.worker) await this.work()
    return { runId }
  }

  /**
   * `runtime.resume` of a runnable's paused run: stores its answer (`options.input`) and queues
   * it, then waits for it. The run continues from its last checkpoint in the process that takes
   * it; a bad answer stores nothing. A completed run resolves with its result.
   */
  async resumeRunnable<TOutput>(
    checkpoint: RunCheckpoint,
    options: ResumeOptions,
  ): Promise<RunResult<TOutput>> {
    const { storage, registry, queue } = this.#options
    const { runId, agentName } = checkpoint.record
    if (checkpoint.record.status === 'completed') return this.wait<TOutput>(runId)
    if (options.approvals !== undefined || options.maxTurns !== undefined) {
      throw new ConfigError({
        message: `resume: run "${runId}" is a runnable's run ("${agentName}"): it takes { input, context, timeoutMs, signal }, not approvals or maxTurns.`,
      })
    }
    // What this process remembers of the run's earlier end is stale once it continues.
    this.forget(runId)
    if (this.#closing)
      throw new ConfigError({ message: 'resume: the runtime is closing; no run can be resumed.' })
    if (options.context !== undefined && queue.distributed) {
      throw new ConfigError({
        message: `resume: options.context cannot travel through the ${queue.backend} queue (the run context is never stored or sent). Give the workers their context instead.`,
      })
    }
    await storeResumeInput({ storage, registry, checkpoint, input: options.input })
    if (options.context !== undefined) this.#worker.giveContext(runId, options.context)
    await this.#subscribeControl()
    await queue.enqueue({
      runId,
      name: agentName,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    })
    if (this.#options.settings.worker) await this.work()
    const onAbort = () => void this.cancel(runId).catch(() => {})
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      return await this.wait<TOutput>(runId)
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Follows the run: its stored log after `after`, then live events, up to `run.end`. */
  events(
    runId: string,
    options: { after?: number; signal?: AbortSignal; maxBuffered?: number } = {},
  ): AsyncIterable<RunEvent> {
    if (typeof runId !== 'string' || runId === '') {
      throw new ConfigError({ message: 'events(runId): runId must be a non-empty string.' })
    }
    const after = options.after ?? 0
    if (!Number.isInteger(after) || after < 0) {
      throw new ConfigError({
        message: `events(runId, { after }): after must be a seq (an integer >= 0); got ${JSON.stringify(options.after)}.`,
      })
    }
    const { storage, bus } = this.#options
    return followRun({
      storage,
      bus,
      runId,
      after,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.maxBuffered === undefined ? {} : { maxBuffered: options.maxBuffered }),
    })
  }

  /**
   * Waits until the run ends (or pauses) and returns its result; rejects with its error when it
   * failed or was cancelled. Throws `ConfigError` for an unknown run.
   */
  async wait<TOutput>(runId: string): Promise<RunResult<TOutput>> {
    const { storage, bus } = this.#options
    // A run executed in this process: its result without reading it back.
    const local = await this.#worker.outcome(runId)
    if (local?.ended === true) {
      if ('error' in local) throw local.error
      const result = local.value as RunResult<TOutput>
      // A paused run may have been decided on or cancelled since: read it back.
      if (result.status === 'completed') return result
    }
    // The run's end, or its pause (see `awaitRunEnd`).
    const ending = await awaitRunEnd({ storage, bus, runId })
    // The result the worker sent with the run's end (stored before it was sent), or the stored run.
    if ('result' in ending) return ending.result as RunResult<TOutput>
    return storedResult<TOutput>(ending.checkpoint, (stored) => checkpointState(storage, stored))
  }

  /**
   * Cancels a run wherever it executes: a queued or paused run is cancelled in storage (its
   * `run.end` saved), a running one through the bus to the process running it. Resolves with the
   * status the run had; a finished run is left as it is.
   */
  async cancel(runId: string): Promise<RunStatus> {
    const { storage, bus, queue } = this.#options
    const record = await storage.runs.get(runId)
    if (record === null) throw new ConfigError({ message: `cancel: there is no run "${runId}".` })
    if (record.status === 'completed' || record.status === 'failed' || record.status === 'cancelled')
      return record.status
    this.#worker.noteCancel(runId)
    await this.#subscribeControl()
    await bus.publishControl({ type: 'cancel', runId })
    if (record.status !== 'running') {
      // Nobody executes a queued or paused run: cancel it in storage (compare-and-set: if a worker
      // claims it first, the message above stops it there).
      await queue.remove(runId).catch(() => false)
      await endStoredRun({
        storage,
        bus,
        record,
        status: 'cancelled',
        error: new RunCancelledError({
          message: `Run "${runId}" was cancelled (runtime.cancel) before it ran.`,
        }),
      }).catch((error: unknown) => {
        if (!(error instanceof StorageConflictError)) throw error
      })
    }
    return record.status
  }

  /** Starts taking runs from the queue (and checking for orphans). */
  work(): Promise<void> {
    this.#working ??= (async () => {
      await this.#subscribeControl()
      const { queue, settings } = this.#options
      await queue.process((job) => this.#worker.execute(job), { concurrency: settings.concurrency })
      await this.recoverOrphans({ olderThanMs: queue.distributed ? settings.orphanAfterMs : 0 })
      this.#orphanTimer = setInterval(() => {
        void this.recoverOrphans().catch(() => {})
      }, settings.orphanAfterMs)
      this.#orphanTimer.unref?.()
    })()
    return this.#working
  }

  /** Listens to cancellations (once). */
  async #subscribeControl(): Promise<void> {
    this.#control ??= this.#options.bus.onControl((message) => this.#onControl(message))
    await this.#control
  }

  /** Queues again the runs a stopped process left (recover-orphans.ts); returns how many it found. */
  recoverOrphans(options: { olderThanMs?: number } = {}): Promise<number> {
    const { storage, queue, bus, find, settings } = this.#options
    return recoverOrphans({
      storage,
      queue,
      bus,
      find,
      olderThanMs: options.olderThanMs ?? settings.orphanAfterMs,
      executingHere: (runId) => this.#worker.executes(runId) || this.#options.executingHere(runId),
    })
  }

  /**
   * Stops taking runs; waits up to `graceMs` for the runs executing here, then stops the others at
   * their last checkpoint (status `running`: another worker, or this one restarted, resumes them).
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    this.#closing = true
    if (this.#orphanTimer !== undefined) clearInterval(this.#orphanTimer)
    const graceMs = options.graceMs ?? 10_000
    const { queue, bus } = this.#options
    const closing = queue.close()
    const deadline = Date.now() + graceMs
    while (this.#worker.active > 0 && Date.now() < deadline) await sleep(Math.min(20, graceMs))
    this.#worker.shutdown()
    await closing
    const control = await this.#control
    control?.()
    await bus.close()
  }

  #onControl(message: ControlMessage): void {
    if (message.type !== 'cancel') return
    this.#worker.cancel(message.runId)
  }

  /** Drops what this process remembers of a run's end (it continues: a resume). */
  forget(runId: string): void {
    this.#worker.forget(runId)
  }
}
