/**
 * How the SQLite backend stores a record's data in its tables of their own (see
 * `sqlite-collection-table.ts`): the JSON as text, or, for a put marked `compress`, the JSON
 * deflated with a preset dictionary in a BLOB whose first byte names the codec. SQLite returns
 * text as a string and a BLOB as a Buffer, so the two never mix up.
 *
 * Inflating costs about 9 us per record (zlib's per-call cost, whatever the size), against about
 * 1 us to parse the same JSON; and every run of a session reads the session's history. So the
 * texts of recently read or written compressed records are kept in the process (`INFLATED`, up to
 * `MAX_INFLATED_CHARS` characters, the oldest out first), each with the exact bytes it
 * was inflated from: a stored value is served from there only when its bytes are the same, so a
 * record rewritten, deleted and created again, or written by another process, is never read stale.
 *
 * @module
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { EVENT_DICTIONARY_1 } from '../repositories/event-dictionary.js'
import { parseData } from '../record-codec.js'
import { StoredDataError } from '../storage-errors.js'
import type { JsonObject } from '../../util/json.js'

/** Codec byte 1: raw deflate (level 6) with agentloop's event dictionary, which also covers messages. */
const DEFLATE_EVENTS_1 = 1
const DICTIONARY = Buffer.from(EVENT_DICTIONARY_1, 'utf8')
/** Below this many characters of JSON, deflate rarely wins enough to pay for the inflate when read. */
export const MIN_COMPRESSED_LENGTH = 96

/** At most this many characters of inflated JSON are kept (about 16 MB). */
export const MAX_INFLATED_CHARS = 8_000_000
/** Inflated texts by record (`collection` NUL `key`), oldest first. */
const INFLATED = new Map<string, { stored: Buffer; text: string }>()
let inflatedChars = 0

function remember(id: string, stored: Buffer, text: string): void {
  const old = INFLATED.get(id)
  if (old !== undefined) {
    INFLATED.delete(id)
    inflatedChars -= old.text.length
  }
  if (text.length > MAX_INFLATED_CHARS / 8) return
  INFLATED.set(id, { stored, text })
  inflatedChars += text.length
  for (const [oldest, entry] of INFLATED) {
    if (inflatedChars <= MAX_INFLATED_CHARS) break
    INFLATED.delete(oldest)
    inflatedChars -= entry.text.length
  }
}

/** How many inflated texts are kept, and their characters (for tests). */
export function inflatedCacheSize(): { entries: number; chars: number } {
  return { entries: INFLATED.size, chars: inflatedChars }
}

/**
 * The value to store for a record's JSON: the text, or its deflated form when asked and smaller.
 * `id` (`collection` NUL `key`) lets a compressed record's next read skip the inflate.
 */
export function encodeStoredData(text: string, compress: boolean | undefined, id: string): string | Buffer {
  if (compress !== true || text.length < MIN_COMPRESSED_LENGTH) return text
  const deflated = deflateRawSync(text, { level: 6, dictionary: DICTIONARY })
  // the codec byte plus the deflated bytes must beat the text's UTF-8 bytes
  if (deflated.length + 1 >= Buffer.byteLength(text)) return text
  const stored = Buffer.allocUnsafe(deflated.length + 1)
  stored[0] = DEFLATE_EVENTS_1
  deflated.copy(stored, 1)
  remember(id, stored, text)
  return stored
}

function unreadable(collection: string, key: string, problem: string): StoredDataError {
  return new StoredDataError({
    message: `Stored ${collection} "${key}" is unreadable: ${problem}. Repair or delete the record.`,
    collection,
    key,
  })
}

/** The record's data from what `encodeStoredData` stored; anything unreadable is a `StoredDataError`. */
export function decodeStoredData(value: string | Buffer, collection: string, key: string): JsonObject {
  if (typeof value === 'string') return parseData(value, collection, key)
  const id = `${collection}\u0000${key}`
  const known = INFLATED.get(id)
  if (known?.stored.equals(value)) return parseData(known.text, collection, key)
  if (value[0] !== DEFLATE_EVENTS_1) {
    throw unreadable(
      collection,
      key,
      `its data uses codec ${value[0]}, unknown to this agentloop (written by a newer one? Upgrade)`,
    )
  }
  let text: string
  try {
    text = inflateRawSync(value.subarray(1), { dictionary: DICTIONARY }).toString('utf8')
  } catch (error) {
    throw unreadable(collection, key, `its compressed data does not inflate (${(error as Error).message})`)
  }
  const data = parseData(text, collection, key)
  remember(id, value, text)
  return data
}
