/**
 * Events held in a run's checkpoint (`RunSnapshot.heldEvents`): the newest events of the run's log,
 * stored with each save in the checkpoint record that the save rewrites anyway, instead of in an
 * event record of their own, until a later save moves them into one. What lets a run that saves
 * after every small step (a workflow's nodes) write one record per save where it wrote two. They are
 * stored in the compact form of an event batch (`event-batch.ts`) and read back as events. Reading
 * the log merges them with the event records, in `seq` order.
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import type { RunEvent } from '../../events/run-event.js'
import type { JsonObject } from '../../util/json.js'
import { decodeRecord } from '../record-codec.js'
import type { StoreDriver, StoredRecord } from '../store-driver.js'
import { type CompactEvents, compactEvents, expandEvents, hasCompactForm } from './event-batch.js'
import { checkEvents } from './event-records.js'

/** Checks the events a snapshot holds (`runs.save`): the run's own, in increasing `seq` order. */
export function checkHeldEvents(runId: string, snapshot: { heldEvents?: unknown }): void {
  const held = snapshot.heldEvents
  // Events the run's journal stamped itself (it registered their compact form) are checked.
  if (held === undefined || (Array.isArray(held) && hasCompactForm(held as RunEvent[]))) return
  const field = 'runs.save: snapshot.heldEvents'
  if (!Array.isArray(held)) {
    throw new ConfigError({ message: `${field} must be an array of the run's events; got ${typeof held}.` })
  }
  checkEvents(runId, held as RunEvent[], field)
  for (let index = 1; index < held.length; index++) {
    if ((held[index] as RunEvent).seq <= (held[index - 1] as RunEvent).seq) {
      throw new ConfigError({ message: `${field}[${index}].seq is not above the previous event's.` })
    }
  }
}

/** The checkpoint record's data for `snapshot`: its held events in compact form. */
export function checkpointData(runId: string, snapshot: JsonObject): JsonObject {
  const held = snapshot.heldEvents as RunEvent[] | undefined
  if (held === undefined) return { version: 1, runId, snapshot }
  const stored: JsonObject = { ...snapshot }
  if (held.length === 0) delete stored.heldEvents
  else stored.heldEvents = compactEvents(held) as unknown as JsonObject
  return { version: 1, runId, snapshot: stored }
}

/** A decoded checkpoint's snapshot with its held events read back (as `runs.load` returns it). */
export function loadedSnapshot<T>(runId: string, snapshot: T): T {
  const held = (snapshot as { heldEvents?: CompactEvents }).heldEvents
  if (held === undefined) return snapshot
  return { ...snapshot, heldEvents: expandEvents(runId, held) }
}

/** The events held in a checkpoint record (none without one). */
export async function heldEventsIn(runId: string, record: StoredRecord | null): Promise<RunEvent[]> {
  if (record === null) return []
  const { snapshot } = await decodeRecord<{ snapshot: { heldEvents?: CompactEvents } }>(record)
  return snapshot.heldEvents === undefined ? [] : expandEvents(runId, snapshot.heldEvents)
}

/** The events held in the run's stored checkpoint (none without a checkpoint). */
export async function readHeldEvents(driver: StoreDriver, runId: string): Promise<RunEvent[]> {
  return heldEventsIn(runId, await driver.get('run-checkpoint', runId))
}

/**
 * The log's events after `afterSeq` from the event records' (`stored`, in `seq` order) and the
 * held ones: in `seq` order, each `seq` once (a record's copy first).
 */
export function withHeldEvents(stored: RunEvent[], held: readonly RunEvent[], afterSeq: number): RunEvent[] {
  const later = held.filter((event) => event.seq > afterSeq)
  if (later.length === 0) return stored
  const last = stored.at(-1)
  if (last === undefined || last.seq < (later[0] as RunEvent).seq) return [...stored, ...later]
  const events = [...stored, ...later].sort((left, right) => left.seq - right.seq)
  return events.filter((event, index) => index === 0 || (events[index - 1] as RunEvent).seq !== event.seq)
}
