import type { RunEvent, RunStatus } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import type { JsonObject } from '../util/json.js'
import type { StoredDataError } from './storage-errors.js'

/** Every run status, as stored. Typecheck fails here when `RunStatus` gains a status not listed. */
export const RUN_STATUSES = [
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'awaiting_approval',
  'needs_review',
  'awaiting_input',
] as const satisfies readonly RunStatus[]
const everyStatusListed: [Exclude<RunStatus, (typeof RUN_STATUSES)[number]>] extends [never] ? true : false =
  true
void everyStatusListed

/**
 * A run's state snapshot as storage sees it: an opaque JSON object with a format `version` (the
 * runtime's `RunState`). Storage checks the envelope when reading it back; the owner of the format
 * validates the rest.
 */
export interface RunSnapshot {
  readonly version: number
  /**
   * The newest events of the run's log, held in its checkpoint instead of in an event record of
   * their own (a runnable that saves after every small step writes one record per save, not two):
   * `readEvents` and `lastEventSeq` include them, merged with the others in `seq` order. Each is
   * newer than the events stored before it. A later save moves them into a record (passes them in
   * `events`, with a snapshot that no longer holds them); a save that passes the loaded snapshot on
   * keeps them; `pruneCheckpoint` and `compact` move them into the log first.
   */
  readonly heldEvents?: readonly RunEvent[]
}

/** What ran: an agent run, or a step job (`steps(...)`). */
export type RunKind = 'agent' | 'steps'

/** What the store knows about a run, without its snapshot (cheap to list). */
export interface RunRecord {
  runId: string
  /** `agent` for agent runs, `steps` for step jobs (stored before kinds existed: told by the name). */
  kind: RunKind
  agentName: string
  status: RunStatus
  /** 1 after the first save, +1 per save: pass it as `expectedRevision` to the next save. */
  revision: number
  sessionId?: string | undefined
  metadata?: JsonObject | undefined
  createdAt: number
  updatedAt: number
}

/** The latest checkpoint of a run. */
export interface RunCheckpoint<TSnapshot extends RunSnapshot = RunSnapshot> {
  record: RunRecord
  snapshot: TSnapshot
  /** The append-only parts saved with the run's checkpoints (`SaveRunInput.part`), in save order. */
  parts: JsonObject[]
}

/** One checkpoint write. */
export interface SaveRunInput<TSnapshot extends RunSnapshot = RunSnapshot> {
  runId: string
  /** Default `agent`. */
  kind?: RunKind
  agentName: string
  status: RunStatus
  snapshot: TSnapshot
  /**
   * Compare-and-set: `null` saves only if the run does not exist yet, a number only if the stored
   * revision is that one (else `StorageConflictError`, and nothing is written). Omit to overwrite.
   */
  expectedRevision?: number | null
  /**
   * Events appended in the same atomic write, in `seq` order, all newer than the stored ones.
   * They are stored as one record (one row per checkpoint, whatever the number of events).
   */
  events?: readonly RunEvent[]
  /**
   * Messages appended to a session's active branch in the same atomic write (the turn a completed
   * run adds to its session): the run's checkpoint and the session's messages are stored together
   * or not at all. A concurrent append to the session is retried; a conflict on the run is not.
   */
  sessionAppend?: { sessionId: string; messages: readonly Message[] }
  /**
   * An append-only piece of the run's state (new messages, new items), stored once as its own
   * record in the same atomic write: the snapshot then holds only what changes. `load` returns
   * every part in save order.
   */
  part?: JsonObject
  sessionId?: string
  metadata?: JsonObject
}

/** What a save returns: the new revision, to pass as `expectedRevision` to the next save. */
export interface SavedRun {
  runId: string
  revision: number
  updatedAt: number
}

/** Which runs to list. Every filter is served by an index: a page costs about `limit` reads. */
export interface ListRunsOptions {
  /** Agent runs only by default (`agent`); `steps` lists step jobs, `all` both. */
  kind?: RunKind | 'all'
  status?: RunStatus | readonly RunStatus[]
  agentName?: string
  sessionId?: string
  /** Default 100. */
  limit?: number
  /** Where to continue: the `nextCursor` of the previous page (opaque). Omit for the first page. */
  cursor?: string
  /**
   * Called for each run record that cannot be read (corrupt, or written by a newer agentloop); the
   * listing skips it and goes on. Default: a process warning (`AgentLoopStorageWarning`).
   */
  onCorrupt?: (error: StoredDataError) => void
}

/** A stored record a listing skipped because it cannot be read. */
export interface UnreadableRecord {
  /** The record's key (the run id for runs). */
  key: string
  /** Why, as `StoredDataError` says it. */
  message: string
}

/** One page of runs, newest first. */
export interface RunPage {
  runs: RunRecord[]
  /** Pass it as `cursor` for the next page; null when this page is the last. */
  nextCursor: string | null
  /** Records of this page that could not be read and were left out. */
  skipped: UnreadableRecord[]
}

/** Where runs live: their record, their latest snapshot (checkpoint) and their event log. */
export interface RunRepository {
  /**
   * Saves a checkpoint (record + snapshot, and `events` if given) in one atomic write and returns
   * the new revision. One write, no read: cheap enough to call after every step. The record's
   * fields (status, sessionId, metadata) are replaced by each save: pass them every time.
   */
  save<TSnapshot extends RunSnapshot>(input: SaveRunInput<TSnapshot>): Promise<SavedRun>
  /** The run's record, or null. */
  get(runId: string): Promise<RunRecord | null>
  /** The latest checkpoint, or null when the run is unknown. */
  load<TSnapshot extends RunSnapshot = RunSnapshot>(runId: string): Promise<RunCheckpoint<TSnapshot> | null>
  /** Runs, newest first (by creation): one page of at most `limit` (default 100). */
  list(options?: ListRunsOptions): Promise<RunRecord[]>
  /** Same as `list`, with the cursor of the next page and the records skipped as unreadable. */
  page(options?: ListRunsOptions): Promise<RunPage>
  /**
   * Appends events to the run's log; an event whose `seq` is already stored is skipped (idempotent).
   * With `expectedRevision`, the events are appended only while the run's stored revision is that
   * one (else `StorageConflictError`, nothing written), and as one record: what a running run uses
   * to log the events it streams between checkpoints.
   */
  appendEvents(
    runId: string,
    events: readonly RunEvent[],
    options?: { expectedRevision?: number },
  ): Promise<void>
  /** Events in `seq` order, those after `afterSeq` only (default 0: all). */
  readEvents(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<RunEvent[]>
  /** The highest stored `seq` of the run's events; 0 when none. */
  lastEventSeq(runId: string): Promise<number>
  /**
   * Retention: drops the checkpoint (snapshot and parts) of a finished run (completed, failed or
   * cancelled), keeping its record and its event log; false when there was nothing to drop. A
   * pruned run can no longer be resumed. Only `delete` removes the event log.
   */
  pruneCheckpoint(runId: string): Promise<boolean>
  /**
   * Retention of a finished run (completed, failed or cancelled): drops its checkpoint (snapshot
   * and parts) as `pruneCheckpoint` does, and rewrites its event log as one compressed archive
   * record. `readEvents` and `lastEventSeq` answer exactly as before; the run's record stays. A
   * compacted run can no longer be resumed. False when there was nothing left to do (no
   * checkpoint, and the log already archived or empty). Compressing costs CPU here, once per run,
   * never on the checkpoint path.
   */
  compact(runId: string): Promise<boolean>
  /** Deletes the run, its checkpoint and its events; false when it did not exist. */
  delete(runId: string): Promise<boolean>
}
