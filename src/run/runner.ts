/**
 * The runner behind `runtime.submit / wait / cancel / events`: stores a submitted run as `queued`,
 * hands it to the queue, executes the jobs it takes (retries from the last checkpoint, a timeout
 * per run), publishes stored events on the bus, carries cancellations to the process running the
 * run, and finds orphan runs (left `running` or `queued` by a process that died).
 *
 * @module
 */
import { BudgetExceededError } from '../errors/budget-exceeded-error.js'
import { readableError } from '../errors/describe-error.js'
import {
  ConfigError,
  ContextBudgetError,
  MaxRetriesExceededError,
  MaxTurnsExceededError,
  ModelError,
  RunCancelledError,
  RunTimeoutError,
  ValidationFailedError,
} from '../errors/errors.js'
import type { RunEvent, RunStatus } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import type { RunCheckpoint } from '../storage/run-repository.js'
import { StorageConflictError } from '../storage/storage-errors.js'
import type { Storage } from '../storage/storage.js'
import { sleep } from '../util/abort.js'
import type { JsonValue } from '../util/json.js'
import type { RunObserver } from '../events/run-observer.js'
import type { EventSink } from './checkpointer.js'
import type { ControlMessage, EventBus, Unsubscribe } from './event-bus.js'
import { awaitRunEnd, type RunEnding } from './await-run-end.js'
import { executeRunnable } from './execute-runnable.js'
import { followRun } from './follow-run.js'
import { storeResumeInput } from './resume-runnable.js'
import { injectContext, observed, withContext } from './observe-runs.js'
import type { QueuedRun, RunQueue } from './run-queue.js'
import type { RegisteredRunnable, RunnableRegistry } from './runnable.js'
import type { ResolvedRunnerSettings } from './runner-settings.js'
import { storeSubmittedRun, type SubmitOptions } from './submit-run.js'
import { endStoredRun } from './end-stored-run.js'
import { recoverOrphans } from './recover-orphans.js'
import { isRunnableSnapshot } from './runnable-journal.js'

/** How a run executed in this process ended: its result or error, or not here (`ended: false`). */
export type LocalOutcome =
  | { ended: false }
  | { ended: true; value: unknown }
  | { ended: true; error: unknown }

/** Statuses a run leaves only by executing. */
const OPEN: ReadonlySet<RunStatus> = new Set(['queued', 'running'])

/** What the runtime does for an agent run the runner executes. */
export interface AgentLaunch {
  agent: Extract<RegisteredRunnable, { kind: 'agent' }>['agent']
  checkpoint: RunCheckpoint
  /** The last stored event `seq`. */
  seq: number
  context: unknown
  signal: AbortSignal
  timeoutMs: number
  sink: EventSink
  /** Whether anyone watches the run (see `EventBus.watched`). */
  watched: (() => boolean) | undefined
  willRetry(error: unknown): boolean
}

/** What the runner needs from the runtime. */
export interface RunnerOptions {
  storage: Storage
  queue: RunQueue
  bus: EventBus
  registry: RunnableRegistry
  settings: ResolvedRunnerSettings
  startAgent(launch: AgentLaunch): Promise<unknown>
  /** Whether the runtime executes the run outside the runner (`run`, `stream`, `resume`). */
  executingHere(runId: string): boolean
  /** The runtime's observers: they see runnables' events, and carry trace context through the queue. */
  observers?: readonly RunObserver[] | undefined
}

/** A run this process executes. */
interface LocalRun {
  controller: AbortController
  /** Set when the worker stops: the run is left at its checkpoint for another worker. */
  shutdown: boolean
}

/** See the module comment. */
export class Runner {
  readonly #options: RunnerOptions
  readonly #local = new Map<string, LocalRun>()
  readonly #contexts = new Map<string, unknown>()
  /** Cancellations seen, by run id (kept a while: a job may start after its cancel arrived). */
  readonly #cancelled = new Map<string, number>()
  /**
   * How runs executed here ended, for `wait` in this process (no storage read), kept a minute
   * after the run ends.
   */
  readonly #outcomes = new Map<
    string,
    { promise: Promise<LocalOutcome>; settle(outcome: LocalOutcome): void }
  >()
  #control: Promise<Unsubscribe> | undefined
  #working: Promise<void> | undefined
  #orphanTimer: ReturnType<typeof setInterval> | undefined
  #closing = false

  constructor(options: RunnerOptions) {
    this.#options = options
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
    return this.#local.size
  }

  async submit(
    name: string,
    input: string | readonly Message[],
    options: SubmitOptions = {},
  ): Promise<{ runId: string }> {
    const { registry, queue, storage } = this.#options
    if (this.#closing)
      throw new ConfigError({ message: 'submit: the runtime is closing; no run can be submitted.' })
    const { runId, start } = await storeSubmittedRun({ storage, queue, registry, name, input, options })
    if (options.context !== undefined) this.#contexts.set(runId, options.context)
    // This process will execute it: wait can take its result without reading storage.
    if (!queue.distributed && this.#options.settings.worker) this.#outcomeOf(runId)
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
   * Stores the answer to a paused runnable's run and queues it (`runtime.resume(runId, { input })`):
   * the run continues from its last checkpoint in the process that takes it. A bad answer stores
   * nothing.
   */
  async resumeRunnable(
    checkpoint: RunCheckpoint,
    input: JsonValue | undefined,
    options: { context?: unknown; timeoutMs?: number } = {},
  ): Promise<void> {
    const { storage, registry, queue } = this.#options
    const { runId, agentName } = checkpoint.record
    if (this.#closing)
      throw new ConfigError({ message: 'resume: the runtime is closing; no run can be resumed.' })
    if (options.context !== undefined && queue.distributed) {
      throw new ConfigError({
        message: `resume: options.context cannot travel through the ${queue.backend} queue (the run context is never stored or sent). Give the workers their context instead.`,
      })
    }
    await storeResumeInput({ storage, registry, checkpoint, input })
    if (options.context !== undefined) this.#contexts.set(runId, options.context)
    await this.#subscribeControl()
    await queue.enqueue({
      runId,
      name: agentName,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    })
    if (this.#options.settings.worker) await this.work()
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
   * Waits for the run to end or pause, and returns its stored record and checkpoint, or the result
   * its worker sent with its `run.end` (see `awaitRunEnd`). Throws `ConfigError` for an unknown run.
   */
  settle(runId: string): Promise<RunEnding> {
    const { storage, bus } = this.#options
    return awaitRunEnd({ storage, bus, runId })
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
    this.#noteCancel(runId)
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
      await queue.process((job) => this.#execute(job), { concurrency: settings.concurrency })
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
    const { storage, queue, bus, registry, settings } = this.#options
    return recoverOrphans({
      storage,
      queue,
      bus,
      registry,
      olderThanMs: options.olderThanMs ?? settings.orphanAfterMs,
      executingHere: (runId) => this.#local.has(runId) || this.#options.executingHere(runId),
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
    while (this.#local.size > 0 && Date.now() < deadline) await sleep(Math.min(20, graceMs))
    for (const local of this.#local.values()) {
      local.shutdown = true
      local.controller.abort(
        new RunCancelledError({
          message: 'The worker is shutting down; the run continues from its checkpoint elsewhere.',
        }),
      )
    }
    await closing
    const control = await this.#control
    control?.()
    await bus.close()
  }

  #onControl(message: ControlMessage): void {
    if (message.type !== 'cancel') return
    this.#noteCancel(message.runId)
    this.#local
      .get(message.runId)
      ?.controller.abort(
        new RunCancelledError({ message: `Run "${message.runId}" was cancelled (runtime.cancel).` }),
      )
  }

  #noteCancel(runId: string): void {
    const now = Date.now()
    this.#cancelled.set(runId, now)
    // Forget old ones: a cancel matters only to a job that starts soon after it.
    if (this.#cancelled.size > 10_000) {
      for (const [id, time] of this.#cancelled) if (now - time > 600_000) this.#cancelled.delete(id)
    }
  }

  /** Executes one job: attempts until the run ends, retrying failures from the last checkpoint. */
  /** The outcome of a run executed in this process, if it is (or was, in the last minute). */
  localOutcome(runId: string): Promise<LocalOutcome> | undefined {
    return this.#outcomes.get(runId)?.promise
  }

  /** Drops what this process remembers of a run's end (it continues: a resume). */
  forget(runId: string): void {
    const entry = this.#outcomes.get(runId)
    if (entry !== undefined && !this.#local.has(runId)) this.#outcomes.delete(runId)
  }

  /** The deferred outcome of a run this process executes (created at submit with a local queue). */
  #outcomeOf(runId: string): { promise: Promise<LocalOutcome>; settle(outcome: LocalOutcome): void } {
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

  async #execute(job: QueuedRun): Promise<'done' | 'requeue'> {
    const { runId } = job
    if (this.#local.has(runId)) return 'done'
    const outcome = this.#outcomeOf(runId)
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
    const { settings } = this.#options
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
          return await withContext(this.#options.observers, job.trace, () =>
            this.#attempt(job, attempt, local, willRetry),
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

  async #attempt(
    job: QueuedRun,
    attempt: number,
    local: LocalRun,
    willRetry: (error: unknown) => boolean,
  ): Promise<LocalOutcome> {
    const { storage, registry, bus, settings } = this.#options
    const { runId } = job
    // A job's first attempt starts from what submit saved (a cancel in between makes its claim conflict).
    const submitted = attempt === 1 ? job.start : undefined
    const checkpoint = submitted ?? (await storage.runs.load(runId))
    // Ended, paused or deleted meanwhile: nothing to run, and wait reads storage.
    if (checkpoint === null || !OPEN.has(checkpoint.record.status)) return { ended: false }
    const { record } = checkpoint
    const entry = registry.get(record.agentName)
    if (entry === undefined) {
      await endStoredRun({
        storage,
        bus,
        record,
        status: 'failed',
        error: new ConfigError({
          message: `No runnable named "${record.agentName}" is registered on the worker that took run "${runId}". Register it in the worker's config module.`,
        }),
      })
      return { ended: false }
    }
    // A run submitted here has no events yet (a cancel ends it instead of starting it); a queued run
    // may have some (a paused runnable answered with runtime.resume is queued again).
    const seq = submitted !== undefined ? 0 : await storage.runs.lastEventSeq(runId)
    // A run's run.end waits for the run's result, to travel with it to the run's waiters (a bus
    // with end channels): `wait` in another process then reads nothing back.
    const holdEnd = bus.subscribeEnd !== undefined
    let heldEnd: RunEvent | undefined
    const publish: EventSink = (event) => {
      if (holdEnd && event.type === 'run.end') heldEnd = event
      else bus.publish(runId, [event])
      return undefined
    }
    /** Publishes the held run.end, with the run's result when it completed. */
    const releaseEnd = (outcome: LocalOutcome) => {
      const end = heldEnd
      heldEnd = undefined
      if (end === undefined) return
      const value = 'value' in outcome ? (outcome.value as { status?: unknown } | undefined) : undefined
      const completed = end.type === 'run.end' && end.status === 'completed' && value?.status === 'completed'
      bus.publish(runId, [end], completed ? { result: value } : undefined)
    }
    // An agent run's events reach the observers in the runtime; a runnable's here.
    const sink = entry.kind === 'agent' ? publish : observed(this.#options.observers, publish)
    const timeoutMs = job.timeoutMs ?? settings.timeoutMs
    const context = this.#contexts.has(runId)
      ? this.#contexts.get(runId)
      : settings.context?.({ runId, name: entry.name, metadata: record.metadata })
    // Whether anyone follows the run, known before its first event (a round trip on a shared bus).
    await bus.watch?.(runId)
    let outcome: LocalOutcome = { ended: false }
    try {
      if (entry.kind === 'agent') {
        const value = await this.#options.startAgent({
          agent: entry.agent,
          checkpoint,
          seq,
          context,
          signal: local.controller.signal,
          timeoutMs,
          sink,
          watched: bus.watched === undefined ? undefined : () => bus.watched?.(runId) === true,
          willRetry,
        })
        outcome = { ended: true, value }
        return outcome
      }
      const snapshot = checkpoint.snapshot
      if (!isRunnableSnapshot(snapshot)) {
        throw new ConfigError({
          message: `Run "${runId}" of "${entry.name}" has a checkpoint that is not a runnable's; it cannot be executed.`,
        })
      }
      const executed = await executeRunnable({
        entry,
        storage,
        runId,
        revision: record.revision,
        snapshot: { ...snapshot, attempts: attempt - 1 },
        seq,
        metadata: record.metadata,
        context,
        signal: local.controller.signal,
        timeoutMs,
        attempt,
        willRetry,
        sink,
      })
      // Paused (awaiting input, or review): wait reads the stored run, which says what it waits for.
      if (executed.status !== 'completed') return outcome
      outcome = {
        ended: true,
        value: {
          runId,
          input: snapshot.input,
          status: 'completed',
          output: executed.output,
          items: [],
          messages: snapshot.input,
          usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 },
          turns: 0,
          interruptions: [],
          lastAgent: entry.name,
        },
      }
      return outcome
    } finally {
      releaseEnd(outcome)
    }
  }
}

/** Whether a failure may be retried from the last checkpoint: not a decision, a limit or a cancellation. */
export function isRetryable(caught: unknown): boolean {
  const error = readableError(caught)
  if (error instanceof ModelError) return error.isRetryable
  if (
    error instanceof RunCancelledError ||
    error instanceof RunTimeoutError ||
    error instanceof ConfigError ||
    error instanceof MaxTurnsExceededError ||
    error instanceof ValidationFailedError ||
    error instanceof ContextBudgetError ||
    error instanceof BudgetExceededError ||
    error instanceof MaxRetriesExceededError ||
    error instanceof StorageConflictError
  ) {
    return false
  }
  return true
}

/** A failure because another process took the run over: the run goes on there. */
function ownedElsewhere(error: unknown): boolean {
  return (
    error instanceof StorageConflictError ||
    (error instanceof ConfigError && error.cause instanceof StorageConflictError)
  )
}
