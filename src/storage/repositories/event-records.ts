/**
 * How a run's events are stored. A checkpoint's events go in one record (one row per checkpoint
 * on SQL backends), in a compact form (format 2 of `run-event`): what every event of the batch
 * repeats is written once. The run id is the record's group, `seq` counts up from the first one,
 * and `time` is kept as offsets from the first event's. Reading restores the events exactly as
 * they were written. Records of format 1 (one event, or a batch of whole events) are still read.
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import type { RunEvent } from '../../events/run-event.js'
import type { JsonObject } from '../../util/json.js'
import type { WriteOperation } from '../store-driver.js'
import { compositeKey } from './shared.js'

/** A batch of events in format 2: the fields each event repeats are written once. */
export interface CompactEvents {
  version: 2
  /** The first event's `seq`; the others follow it one by one, unless `seqs` is given. */
  seq: number
  /** The first event's `time`. */
  time: number
  /** The events without `runId`, `seq` and `time`. */
  events: JsonObject[]
  /** Each event's `time` minus the first's (integers), when they are not all the same. */
  dt?: number[]
  /** Each event's `time`, when they are not all integers (an offset could round). */
  at?: number[]
  /** Each event's `seq`, when they do not count up one by one. */
  seqs?: number[]
}

/** A stored event record: one event or a batch (format 1), or a compact batch (format 2). */
export type StoredEvents =
  | { version: 1; event: RunEvent }
  | { version: 1; events: RunEvent[] }
  | CompactEvents

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

/** The compact form of a batch (in increasing `seq` order, checked by the caller). */
export function compactEvents(events: readonly RunEvent[]): CompactEvents {
  const first = events[0] as RunEvent
  const stripped: JsonObject[] = []
  let consecutive = true
  let sameTime = true
  let integerTimes = true
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as RunEvent
    // A copy without the three stamped fields (a loop: object rest is slow in V8).
    const copy: Record<string, unknown> = {}
    const fields = event as unknown as Record<string, unknown>
    for (const key in fields) {
      if (key !== 'runId' && key !== 'seq' && key !== 'time') copy[key] = fields[key]
    }
    stripped.push(copy as JsonObject)
    if (event.seq !== first.seq + index) consecutive = false
    if (event.time !== first.time) sameTime = false
    if (!Number.isSafeInteger(event.time)) integerTimes = false
  }
  const batch: CompactEvents = { version: 2, seq: first.seq, time: first.time, events: stripped }
  if (!sameTime) {
    if (integerTimes) batch.dt = events.map((event) => event.time - first.time)
    else batch.at = events.map((event) => event.time)
  }
  if (!consecutive) batch.seqs = events.map((event) => event.seq)
  return batch
}

/** The events of a compact batch, as they were written. */
export function expandEvents(runId: string, batch: CompactEvents): RunEvent[] {
  return batch.events.map((stripped, index) => {
    const event = { ...stripped } as unknown as RunEvent
    event.runId = runId
    event.seq = batch.seqs?.[index] ?? batch.seq + index
    event.time = batch.at?.[index] ?? batch.time + (batch.dt?.[index] ?? 0)
    return event
  })
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

/** The events of decoded records, in `seq` order, each `seq` once, those after `afterSeq` only. */
export function eventsOf(runId: string, decoded: readonly StoredEvents[], afterSeq: number): RunEvent[] {
  const events: RunEvent[] = []
  let sorted = true
  for (const data of decoded) {
    const batch =
      data.version === 2 ? expandEvents(runId, data) : 'event' in data ? [data.event] : data.events
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
