/**
 * How a run's events are stored. A checkpoint's events go in one record (one row per checkpoint
 * on SQL backends), in a compact form (format 2 of `run-event`): what every event of the batch
 * repeats is written once. The run id is the record's group, `seq` counts up from the first one,
 * and `time` is kept as offsets from the first event's. Reading restores the events exactly as
 * they were written. Records of format 1 (one event, or a batch of whole events) are still read,
 * and so is a finished run's archived log (format 3, `event-archive.ts`).
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import type { RunEvent } from '../../events/run-event.js'
import type { JsonObject } from '../../util/json.js'
import type { WriteOperation } from '../store-driver.js'
import { type ArchivedEvents, unarchiveEvents } from './event-archive.js'
import { type CompactEvents, compactEvents, expandEvents } from './event-batch.js'
import { compositeKey } from './shared.js'

/**
 * A stored event record: one event or a batch (format 1), a compact batch (format 2), or a
 * finished run's whole log, compressed (format 3, `event-archive.ts`).
 */
export type StoredEvents =
  | { version: 1; event: RunEvent }
  | { version: 1; events: RunEvent[] }
  | CompactEvents
  | ArchivedEvents

function eventKey(runId: string, seq: number): string {
  return compositeKey(runId, String(seq))
}

/** Checks that events belong to the run and have a positive integer `seq`. */
export function checkEvents(runId: string, events: readonly RunEvent[], field: string): void {
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as RunEvent
    if (event === null || typeof event !== 'object' || !Number.isInteger(event.seq) || event.seq < 1) {
      throw new ConfigError({
        message: `${field}[${index}].seq must be a positive integer; got ${JSON.stringify(event?.seq)}.`,
      })
    }
    if (event.runId !== runId) {
      throw new ConfigError({
        message: `${field}[${index}].runId is ${JSON.stringify(event.runId)} but the events are appended to run "${runId}".`,
      })
    }
  }
}

/** One record per event (format 1), each skipped when its `seq` is stored: `appendEvents` without a revision. */
export function eventOperations(runId: string, events: readonly RunEvent[], field: string): WriteOperation[] {
  checkEvents(runId, events, field)
  return events.map((event) => ({
    type: 'put',
    collection: 'run-event',
    key: eventKey(runId, event.seq),
    group: runId,
    order: event.seq,
    data: { version: 1, event: event as unknown as JsonObject },
    ifAbsent: true,
  }))
}

/**
 * Events stored as one record: keyed by the first `seq`, ordered by the last, so listing the
 * records after a `seq` finds every record holding a later event. One row per checkpoint instead
 * of one per event is what keeps a checkpoint with its events to one statement on SQL backends.
 */
export function eventBatchOperation(
  runId: string,
  events: readonly RunEvent[],
  field: string,
): WriteOperation {
  checkEvents(runId, events, field)
  let previous = 0
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as RunEvent
    if (event.seq <= previous) {
      throw new ConfigError({
        message: `${field}[${index}].seq is ${event.seq}, not above the previous event's ${previous}: events must be in increasing seq order.`,
      })
    }
    previous = event.seq
  }
  const first = events[0] as RunEvent
  return {
    type: 'put',
    collection: 'run-event',
    key: eventKey(runId, first.seq),
    group: runId,
    order: previous,
    data: compactEvents(events) as unknown as JsonObject,
    ifAbsent: true,
  }
}

/** The events of one decoded record (`key` names it in errors). */
function recordEvents(runId: string, data: StoredEvents, key: string): RunEvent[] {
  if (data.version === 3) return unarchiveEvents(runId, data, key)
  if (data.version === 2) return expandEvents(runId, data)
  return 'event' in data ? [data.event] : data.events
}

/**
 * The events of decoded records (`keys`: their keys, for errors), in `seq` order, each `seq` once,
 * those after `afterSeq` only.
 */
export function eventsOf(
  runId: string,
  decoded: readonly StoredEvents[],
  afterSeq: number,
  keys: readonly string[] = [],
): RunEvent[] {
  const events: RunEvent[] = []
  let sorted = true
  for (const [index, data] of decoded.entries()) {
    const batch = recordEvents(runId, data, keys[index] ?? runId)
    for (const event of batch) {
      if (event.seq <= afterSeq) continue
      if (events.length > 0 && event.seq <= (events.at(-1) as RunEvent).seq) sorted = false
      events.push(event)
    }
  }
  if (sorted) return events
  // Records written by appendEvents in any order: sort, and keep the first stored copy of a seq.
  events.sort((left, right) => left.seq - right.seq)
  return events.filter((event, index) => index === 0 || (events[index - 1] as RunEvent).seq !== event.seq)
}
