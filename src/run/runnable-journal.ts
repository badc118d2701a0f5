/**
 * The journal of a runnable's run (a custom `{ name, run(ctx) }` or a step job): stamps its
 * events (`runId`, `seq`, `time`), stores them, then delivers them; saves its checkpoints with the
 * events emitted before them in one atomic write. Writes are serialised and each is a
 * compare-and-set on the run's revision, so two processes never both continue one run.
 *
 * @module
 */
import type { RunEvent, RunEventData, RunStatus } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import type { RunKind, SaveRunInput } from '../storage/run-repository.js'
import { compactStripped, stripEvent, withCompactForm } from '../storage/repositories/event-batch.js'
import type { Storage } from '../storage/storage.js'
import { StorageConflictError, StoredDataError } from '../storage/storage-errors.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import { flatJsonSize, jsonFieldSize, jsonNumberLength } from '../util/json-size.js'
import type { EventSink } from './checkpointer.js'

/** The snapshot a runnable's run stores (format version 1). Submitted runs of any kind start with one. */
export interface RunnableSnapshot {
  version: 1
  format: 'runnable'
  /** The run's input messages. */
  input: Message[]
  /** The session the run continues (agents only). */
  session?: string
  /** What the runnable last saved with `ctx.checkpoint(state)`. */
  state?: JsonValue
  /**
   * How many parts (`ctx.checkpoint(state, events, { part })`) the run's checkpoint has, stored as
   * the storage's run parts; absent when none.
   */
  parts?: number
  /** Results of the completed `ctx.step` steps (and of a step job's steps), by step name. */
  steps: { [step: string]: JsonValue }
  /** What a paused run asks (`ctx.pause(request)`), while it waits. */
  request?: JsonValue
  /** The answer `runtime.resume(runId, { input })` gave, until a checkpoint consumes it. */
  resumeInput?: JsonValue
  /**
   * The newest events of the run's log, held in the checkpoint until a later save moves them into
   * an event record (`RunSnapshot.heldEvents`: the log includes them).
   */
  heldEvents?: RunEvent[]
  /** Failed attempts so far (retries). */
  attempts: number
  output?: JsonValue
  error?: { name: string; message: string }
}

/** Tells a runnable snapshot from an agent's run state. */
export function isRunnableSnapshot(snapshot: unknown): snapshot is RunnableSnapshot {
  return (snapshot as { format?: unknown } | null)?.format === 'runnable'
}

/**
 * The parts of a runnable's checkpoint stored at `revision` (`snapshot.parts` of them; none read
 * when it has none). A run stored since at another revision is a `StorageConflictError` (another
 * process continued it), a count that does not match a `StoredDataError` (a damaged store).
 */
export async function loadRunnableParts(
  storage: Storage,
  runId: string,
  snapshot: RunnableSnapshot,
  revision: number,
): Promise<JsonObject[]> {
  const expected = snapshot.parts ?? 0
  if (expected === 0) return []
  const loaded = await storage.runs.load(runId)
  const actual = loaded?.record.revision ?? null
  if (loaded === null || actual !== revision) {
    throw new StorageConflictError({
      collection: 'run',
      key: runId,
      expectedRevision: revision,
      actualRevision: actual,
    })
  }
  if (loaded.parts.length !== expected) {
    throw new StoredDataError({
      message: `Stored run "${runId}" is unreadable: its checkpoint counts ${expected} parts, but ${loaded.parts.length} are stored. Repair or delete the run.`,
      collection: 'run-part',
      key: runId,
    })
  }
  return loaded.parts
}

/** Options of a journal. */
export interface RunnableJournalOptions {
  storage: Storage
  runId: string
  name: string
  kind: RunKind
  /** The stored revision the run continues from. */
  revision: number
  /** The last stored event `seq`. */
  seq: number
  metadata?: JsonObject | undefined
  sink?: EventSink | undefined
  /** The events the stored checkpoint holds (`RunnableSnapshot.heldEvents`). */
  held?: readonly RunEvent[] | undefined
}

/**
 * The JSON size (UTF-16 units, as emitted) of the events a checkpoint may hold: stored in compact
 * form (about half that), they keep a workflow's checkpoint row (with its tail, at most
 * `WORKFLOW_TAIL_BYTES`) within one SQLite page. Past it, the next save moves them into an event
 * record: a row and two index entries on SQL backends, which holding them saves on the other
 * saves. A chain of 100 no-op workflow nodes on SQLite wrote 6.9 WAL pages per node with an event
 * record per save, 3.5 holding 1 KB of events, 2.1 holding 3 KB (with a 768-character tail).
 */
const HELD_BYTES = 3_072

/** See the module comment. */
export class RunnableJournal {
  readonly #options: RunnableJournalOptions
  #revision: number
  #seq: number
  #open: RunEvent[] = []
  #tail: Promise<void> = Promise.resolve()
  #failure: { error: unknown } | undefined
  #ended = false
  /** The events the stored checkpoint holds, each stripped for its compact form, and their JSON size. */
  #held: RunEvent[]
  #heldStripped: JsonObject[]
  #heldBytes = 0
  /** What the run id adds to an event's JSON size (`"runId":"…",`). */
  readonly #runIdBytes: number

  constructor(options: RunnableJournalOptions) {
    this.#options = options
    this.#revision = options.revision
    this.#seq = options.seq
    this.#runIdBytes = JSON.stringify(options.runId).length + 9
    this.#held = [...(options.held ?? [])]
    this.#heldStripped = this.#held.map(stripEvent)
    for (const event of this.#held) this.#heldBytes += flatJsonSize(event)
  }

  get seq(): number {
    return this.#seq
  }

  /** Stamps and queues an event; resolves once it is stored and delivered. */
  emit(data: RunEventData): Promise<void> {
    if (this.#ended) return Promise.resolve()
    this.#stamp(data)
    return this.#enqueue(async () => {
      if (this.#open.length === 0) return
      const events = this.#open
      this.#open = []
      await this.#options.storage.runs.appendEvents(this.#options.runId, events, {
        expectedRevision: this.#revision,
      })
      const delivering = this.#deliver(events)
      if (delivering !== undefined) await delivering
    })
  }

  /** Stamps an event that the next `save` stores (with the claim of the run, say). */
  stage(data: RunEventData): void {
    if (!this.#ended) this.#stamp(data)
  }

  /**
   * Saves the snapshot with `status` and the events emitted so far (and `end`, the run's last
   * event; `part`, appended to the run's parts: the snapshot's `parts` count includes it). The
   * caller owns the snapshot's values: it replaces them with new copies, never changes them.
   */
  save(
    status: RunStatus,
    snapshot: RunnableSnapshot,
    options: { end?: RunEventData & { type: 'run.end' }; part?: JsonObject } = {},
  ): Promise<void> {
    const { end, part } = options
    // The run ended (or this attempt was abandoned): a late checkpoint of work still winding down
    // (after a timeout or a cancellation) must not store the run as running again.
    if (this.#ended) return Promise.resolve()
    if (end !== undefined) {
      this.#stamp(end)
      this.#ended = true
    }
    const copy = copySnapshot(snapshot)
    return this.#enqueue(async () => {
      const events = this.#open
      this.#open = []
      // While the run goes on, a save's events are held in the checkpoint (the row it writes
      // anyway) until they pass HELD_BYTES; then, and with a pause or the run's end, the next
      // save moves them into an event record. (Sized without serialising them: the repository
      // serialises them anyway.)
      let heldBytes = this.#heldBytes
      let hold = status === 'running' && end === undefined
      // Each event is stripped for the compact form once, when first stored, not with every save.
      const all = this.#held.slice()
      const stripped = this.#heldStripped.slice()
      for (let index = 0; index < events.length; index++) {
        const event = events[index] as RunEvent
        all.push(event)
        heldBytes += this.#strip(event, stripped)
        hold &&= heldBytes <= HELD_BYTES
      }
      if (all.length > 0) withCompactForm(all, compactStripped(all, stripped))
      if (hold && all.length > 0) copy.heldEvents = all
      const { storage, runId, name, kind, metadata } = this.#options
      // One shape for every checkpoint's input (fields absent are undefined): this runs on every save.
      const input: SaveRunInput<RunnableSnapshot> = {
        runId,
        kind,
        agentName: name,
        status,
        sessionId: copy.session,
        metadata,
        snapshot: copy,
        expectedRevision: this.#revision,
        events: hold ? undefined : all,
        part,
      }
      const saved = await storage.runs.save(input)
      this.#revision = saved.revision
      this.#held = hold ? all : []
      this.#heldStripped = hold ? stripped : []
      this.#heldBytes = hold ? heldBytes : 0
      const delivering = this.#deliver(events)
      if (delivering !== undefined) await delivering
    })
  }

  /** Waits for the writes queued so far; drops what is not stored (a retry continues after the stored log). */
  async abandon(): Promise<void> {
    this.#ended = true
    await this.#tail
    this.#open = []
  }

  /**
   * Adds `event` without its stamps (`runId`, `seq`, `time`) to `stripped` (what its compact form
   * keeps of it) and returns its JSON size, both in one pass over its fields; the run id's share
   * of the size is counted once per journal.
   */
  #strip(event: RunEvent, stripped: JsonObject[]): number {
    const copy: Record<string, unknown> = {}
    const fields = event as unknown as Record<string, unknown>
    // The braces; each field adds its quoted key, a colon, its value and a comma (one too many).
    let size = 1
    let flat = true
    for (const key in fields) {
      const value = fields[key]
      if (key === 'runId') size += this.#runIdBytes
      else if (key === 'seq' || key === 'time') size += key.length + jsonNumberLength(value as number) + 4
      else {
        copy[key] = value
        if (flat) {
          const field = jsonFieldSize(key, value)
          flat = field >= 0
          size += field
        }
      }
    }
    stripped.push(copy as JsonObject)
    return flat ? size : JSON.stringify(event).length
  }

  #stamp(data: RunEventData): void {
    const event = data as RunEvent
    event.runId = this.#options.runId
    event.seq = ++this.#seq
    event.time = Date.now()
    this.#open.push(event)
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.#tail.then(() => {
      if (this.#failure !== undefined) throw this.#failure.error
      return task()
    })
    this.#tail = next.catch((error: unknown) => {
      // No later write may run after a failed one: the stored revision is unknown from then on.
      this.#failure ??= { error }
    })
    return next
  }

  /** Delivers stored events; a promise only when the sink asks to wait (backpressure). */
  #deliver(events: readonly RunEvent[]): Promise<void> | undefined {
    const sink = this.#options.sink
    if (sink === undefined) return undefined
    for (let index = 0; index < events.length; index++) {
      const wait = sink(events[index] as RunEvent)
      if (wait !== undefined) return wait.then(() => this.#deliver(events.slice(index + 1)))
    }
    return undefined
  }
}

/**
 * A copy of a snapshot for one save, all its fields in one order (those it lacks undefined, which
 * JSON leaves out): every save then builds objects of one shape. Its values are private copies
 * that are replaced, never changed in place (the state, each step's result, the request, the
 * output): a copy of its two levels keeps what the save stores from the changes made while it
 * waits for earlier writes. Its held events are set by the save.
 */
function copySnapshot(snapshot: RunnableSnapshot): RunnableSnapshot {
  return {
    version: 1,
    format: 'runnable',
    input: snapshot.input,
    session: snapshot.session,
    state: snapshot.state,
    parts: snapshot.parts,
    steps: { ...snapshot.steps },
    request: snapshot.request,
    resumeInput: snapshot.resumeInput,
    heldEvents: undefined,
    attempts: snapshot.attempts,
    output: snapshot.output,
    error: snapshot.error,
  }
}
