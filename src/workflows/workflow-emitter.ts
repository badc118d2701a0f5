import type { WorkflowEvent, WorkflowEventData } from './workflow-event.js'
import { snapshotOf, type WorkflowState } from './workflow-state.js'

/** An event before it is stamped: the workflow's own, or a forwarded one. */
type EventData = WorkflowEventData | Record<string, unknown>

/**
 * How a workflow run of the Runtime saves (see workflow-runnable.ts): each save's state with the
 * event that reports it, in one write, the event delivered by the writer.
 */
export interface WorkflowPersist {
  /** Called once, with the state the run executes from, before the run changes it. */
  begin(state: WorkflowState): void
  /**
   * What a save of `state` (with its last event `seq`) stores: called in save order, at once.
   * `changed`: the nodes named by the events emitted since the previous save.
   */
  capture(state: WorkflowState, seq: number, changed: ReadonlySet<string>): unknown
  /** Stores what `capture` returned with the event reporting it (one write), then delivers the event. */
  write(captured: unknown, event: WorkflowEventData): Promise<void>
}

/** How a workflow run tells and saves. */
export interface WorkflowEmitter {
  /** Stamps (`runId`, `seq`, `time`) and delivers an event; a promise when the observer applies backpressure. */
  emit(data: EventData): Promise<void> | undefined
  /** Forwards an event of something a node runs, tagged with the node id. */
  forward(nodeId: string, event: { type: string; runId?: string }): Promise<void> | undefined
  /** Saves the state, then emits the event that reports the change (save before tell). */
  saveThenTell(data: WorkflowEventData): Promise<void>
  /** The last `seq` handed out. */
  seq(): number
}

/**
 * The one place a workflow run stamps events and writes checkpoints. Checkpoints are written one at
 * a time, in order. While one is being written, other branches' events wait, so that the event
 * reporting the saved change goes out first, right after the save, with the `seq` the checkpoint
 * recorded: a resumed run never reuses a `seq` its observers have seen.
 */
export function createWorkflowEmitter(options: {
  state: WorkflowState
  onEvent: ((event: WorkflowEvent) => void | Promise<void>) | undefined
  checkpoint: ((state: WorkflowState) => void | Promise<void>) | undefined
  /**
   * Saves the state and the event reporting it in one write, then delivers the event itself
   * (a workflow run by the Runtime: its run's journal). Replaces `checkpoint` and `onEvent` for
   * those events.
   */
  persist?: WorkflowPersist | undefined
}): WorkflowEmitter {
  const { state, onEvent, persist } = options
  persist?.begin(state)
  const checkpoint = persist === undefined ? options.checkpoint : (_state: WorkflowState) => Promise.resolve()
  let seq = state.seq
  const deliver = (data: EventData): Promise<void> | undefined => {
    seq++
    if (onEvent === undefined) return undefined
    const event = data as WorkflowEvent
    // A run of the Runtime: its journal stamps the events it stores (toRunEvent drops these).
    if (persist === undefined) {
      event.runId = state.runId
      event.seq = seq
      event.time = Date.now()
    }
    try {
      const pending = onEvent(event)
      if (pending !== undefined && typeof pending.then === 'function') return pending.then(undefined, ignore)
    } catch {
      // An observer cannot break the run (documented on onEvent).
    }
    return undefined
  }
  let holding = 0
  let reserved = 0
  let held: { data: EventData; resolve: () => void }[] = []
  // The nodes named by events since the last save: every change of a node's record or output is
  // told by an event naming it, so a save compares only these (see stored-workflow-state.ts).
  const changed = new Set<string>()
  const note = (data: EventData) => {
    const nodeId = (data as { nodeId?: unknown }).nodeId
    if (typeof nodeId === 'string') changed.add(nodeId)
  }
  const emit = (data: EventData): Promise<void> | undefined => {
    note(data)
    if (holding === 0) return deliver(data)
    return new Promise<void>((resolve) => held.push({ data, resolve }))
  }
  const release = () => {
    holding--
    if (holding > 0) return
    const queue = held
    held = []
    for (const { data, resolve } of queue) {
      const pending = deliver(data)
      if (pending === undefined) resolve()
      else void pending.then(resolve)
    }
  }
  let saving: Promise<void> = Promise.resolve()
  return {
    emit,
    forward: (nodeId, event) =>
      emit({ ...event, nodeId, ...(event.runId === undefined ? {} : { nodeRunId: event.runId }) }),
    async saveThenTell(data) {
      if (checkpoint === undefined) {
        await emit(data)
        return
      }
      holding++
      reserved++
      let pending: Promise<void> | undefined
      try {
        // Saves run in order, so the events reserved before this one go out before it. What is
        // saved is taken now: the state changes while earlier saves are written.
        let write: Promise<void>
        if (persist === undefined) {
          const snapshot = snapshotOf(state, seq + reserved)
          write = saving.then(() => checkpoint(snapshot))
        } else {
          note(data)
          const captured = persist.capture(state, seq + reserved, changed)
          changed.clear()
          write = saving.then(() => persist.write(captured, data))
        }
        saving = write.then(undefined, ignore)
        await write
        if (persist === undefined) pending = deliver(data)
        else seq++
      } finally {
        reserved--
        release()
      }
      await pending
    },
    seq: () => seq,
  }
}

function ignore(): void {}
