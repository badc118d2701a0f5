/**
 * The archived form of a finished run's event log (format 3 of `run-event`, written by
 * `runs.compact`): every event of the run in one record, as the compact batch of
 * `event-records.ts` (run id, seq and time written once) compressed with raw deflate and a preset
 * dictionary of agentloop's event vocabulary, base64 in a JSON string (every backend stores JSON).
 * Reading inflates it and gives back exactly the events that were stored.
 *
 * Compression happens once per run, at retention time, never on the checkpoint path.
 *
 * @module
 */
import { promisify } from 'node:util'
import { deflateRaw, inflateRawSync } from 'node:zlib'
import type { RunEvent } from '../../events/run-event.js'
import { StoredDataError } from '../storage-errors.js'
import { type CompactEvents, compactEvents, expandEvents } from './event-batch.js'
import { EVENT_DICTIONARY_1 } from './event-dictionary.js'

/** The codecs an archive may name. A new dictionary is a new codec: never change a released one. */
const DICTIONARIES: Record<string, Buffer> = {
  'deflate-raw/events-1': Buffer.from(EVENT_DICTIONARY_1, 'utf8'),
}

/** The codec `runs.compact` writes. */
export const ARCHIVE_CODEC = 'deflate-raw/events-1'

/** A run's whole event log, compressed (format 3). */
export interface ArchivedEvents {
  version: 3
  /** The first event's `seq`. */
  seq: number
  /** The last event's `seq`. */
  last: number
  /** How many events. */
  count: number
  /** How `data` is compressed: `deflate-raw/events-1`. */
  codec: string
  /** Base64 of the compressed JSON of the events' compact batch (format 2, without `version`). */
  data: string
}

const deflate = promisify(deflateRaw)

/**
 * The archive of `events` (in increasing `seq` order, at least one). Deflates on libuv's thread
 * pool: a long log does not block the event loop (1.6 MB of JSON: about 75 ms of deflate).
 */
export async function archiveEvents(events: readonly RunEvent[]): Promise<ArchivedEvents> {
  const { version: _version, ...batch } = compactEvents(events)
  const dictionary = DICTIONARIES[ARCHIVE_CODEC] as Buffer
  const compressed = await deflate(JSON.stringify(batch), { level: 6, memLevel: 9, dictionary })
  return {
    version: 3,
    seq: (events[0] as RunEvent).seq,
    last: (events.at(-1) as RunEvent).seq,
    count: events.length,
    codec: ARCHIVE_CODEC,
    data: compressed.toString('base64'),
  }
}

/** The events of an archive, as they were written; a damaged archive is a `StoredDataError`. */
export function unarchiveEvents(runId: string, archive: ArchivedEvents, key: string): RunEvent[] {
  const fail = (problem: string) =>
    new StoredDataError({
      message: `Stored run-event "${key}" is unreadable: ${problem}. Repair or delete the record.`,
      collection: 'run-event',
      key,
    })
  const dictionary = DICTIONARIES[archive.codec]
  if (dictionary === undefined) {
    throw fail(
      `its codec ${JSON.stringify(archive.codec)} is unknown (written by a newer agentloop? Upgrade agentloop)`,
    )
  }
  let batch: Omit<CompactEvents, 'version'>
  try {
    batch = JSON.parse(inflateRawSync(Buffer.from(archive.data, 'base64'), { dictionary }).toString('utf8'))
  } catch (error) {
    throw fail(`its archive does not inflate to JSON (${(error as Error).message})`)
  }
  if (
    batch === null ||
    typeof batch !== 'object' ||
    !Array.isArray(batch.events) ||
    batch.events.length !== archive.count ||
    batch.seq !== archive.seq
  ) {
    throw fail(`its archive does not hold the ${archive.count} events it announces`)
  }
  return expandEvents(runId, { ...batch, version: 2 })
}
