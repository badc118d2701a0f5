import { ConfigError } from '../errors/errors.js'
import type { CheckpointSaveEvent, RunEndEvent, RunEvent, RunEventData } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import { StorageConflictError } from '../storage/storage-errors.js'
import type { Storage } from '../storage/storage.js'
import type { RunState } from './run-state.js'
import {
  checkRunTransition,
  RUN_TRANSITIONS,
  type RunPhase,
  type RunTransitionName,
} from './run-transitions.js'

/** Where a run's events go once they are true: a stream's channel. */
export type EventSink = (event: RunEvent) => Promise<void> | undefined

/** Events a run may get ahead of its log (and of a slow stream consumer) before it waits. */
const MAX_PENDING = 64

/**
 * The journal of a durable run: stamps its events, saves its transitions and delivers the events
 * only once they are stored. A transition (`commit`) is one atomic write of the state snapshot, the
 * events emitted since the last write (with its own `checkpoint.save`) and, for the last one, the
 * messages the run appends to its session. Between transitions, the events a stream shows (text
 * deltas...) are appended as one record per write, guarded by the run's revision, before they are
 * delivered. So `seq` is unique and increasing across crashes, resumes and processes, and the
 * stream equals the stored log. Writes are serialised, each a compare-and-set on the run's
 * revision, so two processes can never both continue one run.
 */
export class Checkpointer {
  readonly storage: Storage
  readonly #runId: string
  readonly #sink: EventSink | undefined
  #revision: number | null
  /** The stored status after the writes queued so far (what the next transition starts from). */
  #phase: RunPhase
  #seq: number
  /** Events stamped but not yet written. */
  #pending: RunEvent[] = []
  #chain: Promise<unknown> = Promise.resolve()
  #failure: { error: unknown } | undefined
  /** Events of a failed write: the true ones are written again with the last try. */
  #unwritten: RunEvent[] = []
  #flushQueued = false
  #ended = false
  /** Set once the run's last transition is done: a tool still running in the background saves nothing. */
  #closed = false

  constructor(options: {
    storage: Storage
    runId: string
    /** The stored revision this process continues from; `null` for a new run. */
    revision: number | null
    /** The stored status (`new` for a new run). */
    phase: RunPhase
    /** The last stored event `seq` (0 for a new run). */
    seq: number
    sink?: EventSink | undefined
  }) {
    this.storage = options.storage
    this.#runId = options.runId
    this.#revision = options.revision
    this.#phase = options.phase
    this.#storedPhase = options.phase
    this.#seq = options.seq
    this.#sink = options.sink
  }

  /** Set once this process stored a transition of the run (it owns the run from then on). */
  #claimed = false
  /** The status stored by the last successful write. */
  #storedPhase: RunPhase

  /**
   * Stamps an event (`runId`, `seq`, `time`) and queues it for the log. With a stream, it is
   * delivered right after the write that stores it; a returned promise means "wait: the log or
   * the consumer is behind".
   */
  emit(data: RunEventData): Promise<void> | undefined {
    if (this.#ended) return undefined
    if (data.type === 'run.end') this.#ended = true
    // Stamped in place: every call site passes a fresh object literal, so no copy is needed.
    const event = data as RunEvent
    event.runId = this.#runId
    event.seq = ++this.#seq
    event.time = Date.now()
    this.#pending.push(event)
    if (this.#sink === undefined || !this.#claimed || data.type === 'run.end') return undefined
    if (!this.#flushQueued) {
      this.#flushQueued = true
      this.#chain = this.#chain.then(() => this.#flush())
    }
    return this.#pending.length >= MAX_PENDING ? this.#chain.then(() => undefined) : undefined
  }

  /**
   * Saves transition `name` of the run (to `state.status`) with the events emitted so far, then
   * delivers them; resolves once both are done. A failed write fails the run (through the step
   * awaiting it) and no later transition is written, except the run's last one (`finish`).
   */
  commit(
    state: RunState,
    name: RunTransitionName,
    options: { sessionAppend?: { sessionId: string; messages: readonly Message[] } } = {},
  ): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error)
    if (this.#closed)
      return Promise.reject(new Error(`Run "${this.#runId}" has ended; nothing more is saved.`))
    const status = state.status
    checkRunTransition(name, this.#phase, status)
    this.#phase = status
    const report = this.#stamp({
      type: 'checkpoint.save',
      turn: state.turn,
      revision: 0,
      reason: RUN_TRANSITIONS[name].reason,
    }) as CheckpointSaveEvent
    const next = this.#chain.then(async () => {
      if (this.#failure !== undefined) throw this.#failure.error
      const events = this.#take()
      report.revision = (this.#revision ?? 0) + 1
      try {
        const saved = await this.storage.runs.save({
          runId: state.runId,
          agentName: state.agentName,
          status,
          snapshot: state,
          expectedRevision: this.#revision,
          events,
          ...(state.session === undefined ? {} : { sessionId: state.session.id }),
          ...(options.sessionAppend === undefined ? {} : { sessionAppend: options.sessionAppend }),
        })
        this.#revision = saved.revision
        this.#storedPhase = status
        report.revision = saved.revision
      } catch (error) {
        this.#unwritten = events
        throw await this.#explain(error, name)
      }
      this.#claimed = true
      await this.#deliver(events)
    })
    // No later write may run after a failed one: the stored revision is unknown from then on.
    this.#chain = next.catch((error: unknown) => {
      this.#failure ??= { error }
    })
    return next
  }

  /**
   * Ends the run with `runEnd` (a failure or a cancellation): saved as the `fail` transition
   * unless `store` is false (another process owns the run, or it never started), then delivered.
   * When that last save fails too (storage down), `run.end` is still delivered, unstored: the
   * stream always ends, and the stored run stays at its last checkpoint, resumable.
   */
  async finish(state: RunState, runEnd: RunEventData & { type: 'run.end' }, store: boolean): Promise<void> {
    await this.#chain
    // What a failed write held, except what it claimed (its run.end and save report were not true).
    const unwritten = this.#unwritten.filter(
      (event) => event.type !== 'run.end' && event.type !== 'checkpoint.save',
    )
    this.#pending = [...unwritten, ...this.#pending.filter((event) => event.type !== 'run.end')]
    this.#unwritten = []
    this.#ended = false
    this.#phase = this.#storedPhase
    this.emit(runEnd)
    if (store) {
      this.#failure = undefined
      try {
        await this.commit(state, 'fail')
        return
      } catch {
        // Delivered unstored below.
      } finally {
        this.#closed = true
      }
    }
    this.#closed = true
    // Only run.end goes out unstored (the stream must end); the other unstored events stay untold.
    const events = [...this.#unwritten, ...this.#take()].filter((event) => event.type === 'run.end')
    this.#unwritten = []
    await this.#deliver(events)
  }

  /** The last stamped `seq`. */
  get seq(): number {
    return this.#seq
  }

  /** Stamps a save report; it goes before a pending `run.end`, which always comes last. */
  #stamp(data: RunEventData): RunEvent {
    const event = data as RunEvent
    event.runId = this.#runId
    event.time = Date.now()
    const last = this.#pending.at(-1)
    if (last?.type === 'run.end') {
      event.seq = last.seq
      last.seq = ++this.#seq
      this.#pending.splice(this.#pending.length - 1, 0, event)
    } else {
      event.seq = ++this.#seq
      this.#pending.push(event)
    }
    return event
  }

  #take(): RunEvent[] {
    const events = this.#pending
    this.#pending = []
    return events
  }

  /** Appends the events emitted since the last write (guarded by the revision), then delivers them. */
  async #flush(): Promise<void> {
    this.#flushQueued = false
    if (this.#failure !== undefined || this.#pending.length === 0) return
    const events = this.#take()
    try {
      await this.storage.runs.appendEvents(this.#runId, events, {
        expectedRevision: this.#revision as number,
      })
    } catch (error) {
      this.#unwritten = events
      this.#failure ??= { error }
      return
    }
    await this.#deliver(events)
  }

  async #deliver(events: readonly RunEvent[]): Promise<void> {
    const sink = this.#sink
    if (sink === undefined) return
    for (const event of events) {
      const wait = sink(event)
      if (wait !== undefined) await wait
    }
  }

  /** A conflict on a new run's first save means the id is taken: say so, and what to do. */
  async #explain(error: unknown, name: RunTransitionName): Promise<unknown> {
    if (!(error instanceof StorageConflictError) || name !== 'claim' || this.#revision !== null) return error
    const existing = await this.storage.runs.get(this.#runId).catch(() => null)
    if (existing === null) return error
    return new ConfigError({
      message: `A run with id "${this.#runId}" already exists (status ${existing.status}, agent "${existing.agentName}"). Continue it with runtime.resume("${this.#runId}"), or start a new run with another runId.`,
      cause: error,
    })
  }
}

/** The `run.end` data of a run that stops with `error`. */
export type RunEndData = Omit<RunEndEvent, 'runId' | 'seq' | 'time'>
