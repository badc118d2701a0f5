/**
 * The compact form of a batch of events (format 2 of `run-event`): what every event of the batch
 * repeats is written once. The run id is the record's group, `seq` counts up from the first one,
 * and `time` is kept as offsets from the first event's. Used for a checkpoint's events
 * (`event-records.ts`) and, compressed, for a finished run's archived log (`event-archive.ts`).
 *
 * @module
 */
import type { RunEvent } from '../../events/run-event.js'
import type { JsonObject } from '../../util/json.js'

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

/**
 * Where the writer of a batch leaves its compact form, on the events array itself: the run's
 * journal strips each event once, when it first holds it, where `compactEvents` would strip every
 * held event again with each save. (A symbol: JSON and copies of the array leave it out. Not a
 * weak map: one entry per save would cost the garbage collector more than it saves.)
 */
const COMPACT_FORM = Symbol('compactForm')

type WithCompactForm = readonly RunEvent[] & { [COMPACT_FORM]?: CompactEvents }

/**
 * Gives `events` their compact form (built with `compactStripped` from the same events): for an
 * array its writer made for one write and never changes. Returns the array.
 */
export function withCompactForm<T extends readonly RunEvent[]>(events: T, compact: CompactEvents): T {
  ;(events as WithCompactForm)[COMPACT_FORM] = compact
  return events
}

/** Whether the writer of `events` gave them their compact form (its own events: stamped, in order). */
export function hasCompactForm(events: readonly RunEvent[]): boolean {
  return (events as WithCompactForm)[COMPACT_FORM] !== undefined
}

/** The compact form of a batch (in increasing `seq` order, checked by the caller). */
export function compactEvents(events: readonly RunEvent[]): CompactEvents {
  const known = (events as WithCompactForm)[COMPACT_FORM]
  if (known !== undefined) return known
  const stripped: JsonObject[] = []
  for (let index = 0; index < events.length; index++) stripped.push(stripEvent(events[index] as RunEvent))
  return compactStripped(events, stripped)
}

/** An event without the three stamped fields (`runId`, `seq`, `time`): what a batch keeps of it. */
export function stripEvent(event: RunEvent): JsonObject {
  // A copy by a loop: object rest is slow in V8.
  const copy: Record<string, unknown> = {}
  const fields = event as unknown as Record<string, unknown>
  for (const key in fields) {
    if (key !== 'runId' && key !== 'seq' && key !== 'time') copy[key] = fields[key]
  }
  return copy as JsonObject
}

/** The compact form of a batch given each event's `stripEvent` (`stripped`, the caller's to give away). */
export function compactStripped(events: readonly RunEvent[], stripped: JsonObject[]): CompactEvents {
  const first = events[0] as RunEvent
  let consecutive = true
  let sameTime = true
  let integerTimes = true
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as RunEvent
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
