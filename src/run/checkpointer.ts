import type { CheckpointSaveEvent, RunEvent, RunEventData } from '../events/run-event.js'
import type { Storage } from '../storage/storage.js'
import type { RunState } from './run-state.js'

/**
 * Saves a durable run's checkpoints: the state snapshot and the events emitted since the previous
 * save, in one atomic write each. Saves are serialised (one at a time, in order) and each is a
 * compare-and-set on the run's revision, so two processes can never both continue one run.
 */
export class Checkpointer {
  readonly storage: Storage
  #revision: number | null
  #events: RunEvent[] = []
  #chain: Promise<unknown> = Promise.resolve()
  #failure: { error: unknown } | undefined

  /** `revision`: the stored revision this process continues from; `null` for a new run. */
  constructor(storage: Storage, revision: number | null) {
    this.storage = storage
    this.#revision = revision
  }

  /** Queues an event for the run's log; it is written with the next checkpoint. */
  record(event: RunEvent): void {
    this.#events.push(event)
  }

  /**
   * Saves the state now (after any save in progress); resolves once it is durable. `emit` reports
   * the save as a `checkpoint.save` event, which is written with the following save.
   */
  save(
    state: RunState,
    reason: CheckpointSaveEvent['reason'],
    emit: (data: RunEventData) => Promise<void> | undefined,
  ): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error)
    const next = this.#chain.then(async () => {
      if (this.#failure !== undefined) throw this.#failure.error
      const events = this.#events
      this.#events = []
      const saved = await this.storage.runs.save({
        runId: state.runId,
        agentName: state.agentName,
        status: state.status,
        snapshot: state,
        expectedRevision: this.#revision,
        events,
        ...(state.session === undefined ? {} : { sessionId: state.session.id }),
      })
      this.#revision = saved.revision
      await emit({ type: 'checkpoint.save', turn: state.turn, revision: saved.revision, reason })
    })
    // A failed save fails the run (through the awaiting step); no later save may run after it,
    // since the stored revision is unknown from then on.
    this.#chain = next.catch((error: unknown) => {
      this.#failure ??= { error }
    })
    return next
  }
}
