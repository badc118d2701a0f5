import { ConfigError, type HookVetoError } from '../errors/errors.js'
import type { CheckpointSaveEvent, RunEndEvent, RunEvent, RunEventData } from '../events/run-event.js'
import type { HookChain } from '../hooks/hook-chain.js'
import type { Message } from '../messages/message.js'
import type { RunSnapshot, SaveRunInput } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import { StorageConflictError } from '../storage/storage-errors.js'
import type { JsonObject } from '../util/json.js'
import type { RunState } from './run-state.js'
import {
  checkRunTransition,
  RUN_TRANSITIONS,
  type RunPhase,
  type RunTransitionName,
} from './run-transitions.js'
import { vetoSave } from './state-hooks.js'
import { type SavedParts, type StoredRunState, storedForm } from './stored-run-state.js'

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
  /** The stored status after the transitions queued so far (what the next one starts from). */
  #phase: RunPhase
  /** The status stored by the last successful write. */
  #storedPhase: RunPhase
  #seq: number
  /** Events stamped since the last transition was queued: written by a flush or the next commit. */
  #open: RunEvent[] = []
  /** Transitions waiting for the writer, in order; each holds its events (all before `#open`'s). */
  readonly #queue: QueuedCommit[] = []
  /** The writer working through the queue, while it runs. */
  #writer: Promise<void> | undefined
  #failure: { error: unknown } | undefined
  /** Events of failed writes: the true ones are written again with the run's last transition. */
  #unwritten: RunEvent[] = []
  /** Set once this process stored a transition of the run (it owns the run from then on). */
  #claimed = false
  /** Messages and items already stored as parts: a save appends only the newer ones. */
  #saved: SavedParts = { messages: 0, items: 0 }
  #ended = false
  /** Set once the run's last transition is done: a tool still running in the background saves nothing. */
  #closed = false
  readonly #metadata: JsonObject | undefined
  /** The state hooks (`beforeSave`...) and what their events carry. */
  readonly #hooks: CheckpointHooks | undefined
  /** Set when a `before*` hook refused a save: the run then ends without writing anything more. */
  #vetoed = false
  readonly #watched: (() => boolean) | undefined
  #lazy(): boolean {
    return this.#watched !== undefined && !this.#watched()
  }

  constructor(options: {
    storage: Storage
    runId: string
    /** The stored revision this process continues from; `null` for a new run. */
    revision: number | null
    /** The stored status (`new` for a new run). */
    phase: RunPhase
    /** The last stored event `seq` (0 for a new run). */
    seq: number
    /** How many messages and items the stored parts hold (a resumed run); none for a new run. */
    saved?: { messages: number; items: number }
    sink?: EventSink | undefined
    /** The run's metadata, written with every save (a save replaces the record's fields). */
    metadata?: JsonObject | undefined
    /** The run's state hooks (save and session append), when it has any. */
    hooks?: CheckpointHooks | undefined
    /**
     * Whether anyone watches the run now (default: always, with a sink). While nobody does, the
     * events between transitions are written with the next transition instead of on their own.
     */
    watched?: (() => boolean) | undefined
  }) {
    this.#metadata = options.metadata
    this.#hooks = options.hooks
    this.#watched = options.watched
    if (options.saved !== undefined) this.#saved = { ...options.saved }
    this.storage = options.storage
    this.#runId = options.runId
    this.#revision = options.revision
    this.#phase = options.phase
    this.#storedPhase = options.phase
    this.#seq = options.seq
    this.#sink = options.sink
  }

  /** The last stamped `seq`. */
  get seq(): number {
    return this.#seq
  }

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
    this.#open.push(event)
    // Without a stream nobody is told until the next transition, which writes these events too.
    if (this.#sink === undefined || !this.#claimed || data.type === 'run.end' || this.#lazy())
      return undefined
    const writer = this.#startWriter()
    return this.#open.length >= MAX_PENDING ? writer : undefined
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
    if (this.#closed) {
      return Promise.reject(new Error(`Run "${this.#runId}" has ended; nothing more is saved.`))
    }
    const status = state.status
    checkRunTransition(name, this.#phase, status)
    this.#phase = status
    const report = this.#stampReport({
      type: 'checkpoint.save',
      turn: state.turn,
      revision: 0,
      reason: RUN_TRANSITIONS[name].reason,
    })
    const events = this.#open
    this.#open = []
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ name, state, status, options, events, report, resolve, reject })
      this.#startWriter()
    })
  }

  /**
   * Ends the run with `runEnd` (a failure or a cancellation): saved as the `fail` transition
   * unless `store` is false (another process owns the run, or it never started), then delivered.
   * When that last save fails too (storage down), `run.end` alone is still delivered, unstored:
   * the stream always ends, and the stored run stays at its last checkpoint, resumable.
   */
  async finish(state: RunState, runEnd: RunEventData & { type: 'run.end' }, store: boolean): Promise<void> {
    while (this.#writer !== undefined) await this.#writer
    // What failed writes held, except what they claimed (their run.end and save reports were not true).
    const untold = (event: RunEvent) => event.type !== 'run.end' && event.type !== 'checkpoint.save'
    this.#open = [
      ...this.#unwritten.filter(untold),
      ...this.#open.filter((event) => event.type !== 'run.end'),
    ]
    this.#unwritten = []
    this.#ended = false
    this.#phase = this.#storedPhase
    this.emit(runEnd)
    if (store && !this.#vetoed) {
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
    const events = [...this.#unwritten, ...this.#open].filter((event) => event.type === 'run.end')
    this.#unwritten = []
    this.#open = []
    await this.#deliver(events)
  }

  /**
   * Stops the journal without ending the run (the runner retries it from its last checkpoint):
   * waits for the writes under way, then drops what is not stored; nothing more is saved or told.
   */
  async abandon(): Promise<void> {
    this.#ended = true
    while (this.#writer !== undefined) await this.#writer
    this.#closed = true
    this.#open = []
    this.#unwritten = []
  }

  /** Stamps a save report; it goes before a pending `run.end`, which always comes last. */
  #stampReport(data: RunEventData & { type: 'checkpoint.save' }): CheckpointSaveEvent {
    const event = data as CheckpointSaveEvent
    event.runId = this.#runId
    event.time = Date.now()
    const last = this.#open.at(-1)
    if (last?.type === 'run.end') {
      event.seq = last.seq
      last.seq = ++this.#seq
      this.#open.splice(this.#open.length - 1, 0, event)
    } else {
      event.seq = ++this.#seq
      this.#open.push(event)
    }
    return event
  }

  #startWriter(): Promise<void> {
    this.#writer ??= this.#write().finally(() => {
      this.#writer = undefined
      // Work queued while the writer was finishing (after its last check) starts a new one.
      if (this.#queue.length > 0 || this.#canFlush()) void this.#startWriter()
    })
    return this.#writer
  }

  /** Whether open events can be appended on their own (a stream, a claimed run, no run.end yet). */
  #canFlush(): boolean {
    return (
      this.#sink !== undefined &&
      this.#claimed &&
      !this.#lazy() &&
      this.#failure === undefined &&
      this.#open.length > 0 &&
      this.#open.at(-1)?.type !== 'run.end'
    )
  }

  /**
   * Writes the queued transitions, then (with a stream, once the run is claimed) the open events,
   * one write at a time and in `seq` order, delivering each write's events once it is stored.
   */
  async #write(): Promise<void> {
    for (;;) {
      const queued = this.#queue.shift()
      if (queued !== undefined) {
        await this.#writeCommit(queued)
        continue
      }
      if (!this.#canFlush()) return
      const events = this.#open
      this.#open = []
      try {
        await this.storage.runs.appendEvents(this.#runId, events, {
          expectedRevision: this.#revision as number,
        })
      } catch (error) {
        this.#unwritten.push(...events)
        this.#failure ??= { error }
        return
      }
      await this.#deliver(events)
    }
  }

  async #writeCommit(queued: QueuedCommit): Promise<void> {
    const { state, status, events, report } = queued
    if (this.#failure !== undefined) {
      this.#unwritten.push(...events)
      queued.reject(this.#failure.error)
      return
    }
    report.revision = (this.#revision ?? 0) + 1
    const append = queued.options.sessionAppend
    const hooks = this.#hooks
    const saveEvent =
      hooks === undefined
        ? undefined
        : { ...hooks.base(state), reason: report.reason, status, revision: report.revision }
    const appendEvent =
      hooks === undefined || append === undefined
        ? undefined
        : { ...hooks.base(state), sessionId: append.sessionId, messages: append.messages }
    if (hooks !== undefined) {
      let veto: HookVetoError | undefined
      try {
        veto = await vetoSave(hooks.chain, this.#runId, saveEvent, appendEvent)
      } catch (error) {
        veto = undefined
        this.#unwritten.push(...events)
        this.#failure ??= { error }
        queued.reject(error)
        return
      }
      if (veto !== undefined) {
        this.#vetoed = true
        this.#unwritten.push(...events)
        this.#failure ??= { error: veto }
        queued.reject(veto)
        return
      }
    }
    const stored = storedForm(state, this.#saved)
    try {
      // Fields set one by one, not spread from `{}`s: this runs on every checkpoint.
      const input: SaveRunInput<StoredRunState & RunSnapshot> = {
        runId: state.runId,
        agentName: state.agentName,
        status,
        snapshot: stored.snapshot as StoredRunState & RunSnapshot,
        expectedRevision: this.#revision,
        events,
      }
      if (stored.part !== undefined) input.part = stored.part as unknown as JsonObject
      if (state.session !== undefined) input.sessionId = state.session.id
      if (this.#metadata !== undefined) input.metadata = this.#metadata
      if (append !== undefined) input.sessionAppend = append
      const saved = await this.storage.runs.save(input)
      this.#revision = saved.revision
      this.#storedPhase = status
      this.#saved = stored.saved
      this.#claimed = true
    } catch (thrown) {
      this.#unwritten.push(...events)
      const error = await this.#explain(thrown, queued.name)
      // No later write may run after a failed one: the stored revision is unknown from then on.
      this.#failure ??= { error }
      queued.reject(error)
      return
    }
    try {
      if (hooks !== undefined) {
        if (saveEvent !== undefined) await hooks.chain.afterState('Save', saveEvent)
        if (appendEvent !== undefined) await hooks.chain.afterState('SessionAppend', appendEvent)
      }
      await this.#deliver(events)
      queued.resolve()
    } catch (error) {
      queued.reject(error)
    }
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

interface QueuedCommit {
  name: RunTransitionName
  state: RunState
  status: RunState['status']
  options: { sessionAppend?: { sessionId: string; messages: readonly Message[] } }
  events: RunEvent[]
  report: CheckpointSaveEvent
  resolve(): void
  reject(error: unknown): void
}

/** The state hooks a checkpointer calls, and the fields every hook event of the run carries. */
export interface CheckpointHooks {
  chain: HookChain<unknown>
  base(state: RunState): { runId: string; agentName: string; turn: number; context: unknown }
}

/** The `run.end` data of a run that stops with `error`. */
export type RunEndData = Omit<RunEndEvent, 'runId' | 'seq' | 'time'>
