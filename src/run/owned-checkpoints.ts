/**
 * What the library's own runnables (a bound workflow) may ask of their run beyond the public
 * `ctx`: checkpoints of values they hand over (stored without the copy `ctx.checkpoint` makes of
 * a caller's values), and a last checkpoint saved with the run's end in one write. Reached through
 * the `ctx` the runtime made (`ownedCheckpointsOf(ctx)`); a `ctx` made elsewhere (a test calling
 * `run(ctx)` itself) has none, and the runnable then uses the public methods.
 *
 * @module
 */
import type { RunEventData } from '../events/run-event.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import type { RunnableContext } from './runnable.js'

/** See the module comment. */
export interface OwnedCheckpoints {
  /**
   * `ctx.checkpoint(state, events, { part })` of values the caller hands over: new objects it
   * never changes afterwards, whose leaves are JSON it checked (or values it received checked and
   * never changes). Stored as they are: no copy, no second check. The events' nested values must
   * be copies of the caller's own (the events also go to the run's subscribers).
   */
  checkpoint(state: JsonValue, events: readonly RunEventData[], part?: JsonObject): Promise<void>
  /**
   * The run's last checkpoint (the runnable is about to return its output or pause): saved with
   * the run's end (`run.end`), in the same write, and its events delivered after it. Any other
   * write the run makes first (a checkpoint, an event) saves it before its own. A run that fails
   * or is abandoned first never stores it: it stays at its previous checkpoint, which a retry or
   * resume continues from.
   */
  checkpointAtEnd(state: JsonValue, events: readonly RunEventData[], part?: JsonObject): void
}

const owned = new WeakMap<RunnableContext<unknown>, OwnedCheckpoints>()

/** Gives a `ctx` the runtime made its owned checkpoints. */
export function attachOwnedCheckpoints(ctx: RunnableContext<unknown>, checkpoints: OwnedCheckpoints): void {
  owned.set(ctx, checkpoints)
}

/** The owned checkpoints of a `ctx` the runtime made; undefined for any other. */
export function ownedCheckpointsOf(ctx: RunnableContext<unknown>): OwnedCheckpoints | undefined {
  return owned.get(ctx)
}
