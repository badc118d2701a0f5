/**
 * Reading stored records back: every record is validated against the schema of its collection,
 * and records of an older format version are upgraded first, so data written by an older
 * agentloop still loads.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import { type JsonObject, MAX_JSON_DEPTH, parseJson } from '../util/json.js'
import { StoredDataError } from './storage-errors.js'
import type { StoredRecord } from './store-driver.js'

/** The format version agentloop writes (for the collections not in `LATEST_VERSIONS`). */
export const STORAGE_FORMAT_VERSION = 1

/**
 * Collections written in a later format than `STORAGE_FORMAT_VERSION`: `run-event` 2 is the compact
 * event batch, 3 a finished run's archived log; `session-message` 2 leaves out the ids its key holds. Their schema reads every version up to this one.
 */
const LATEST_VERSIONS: Record<string, number> = { 'run-event': 3, 'session-message': 2 }

/**
 * Upgrades from each older version to the next, by collection: `upgrades.run[1]` would turn a
 * version 1 run into version 2. Empty while version 1 is the only one.
 */
const upgrades: Record<string, Record<number, (data: JsonObject) => JsonObject>> = {}

let schemas: Promise<typeof import('./record-schemas.js')> | undefined

/** Validates (and upgrades) a stored record's data; a bad record throws `StoredDataError`. */
export async function decodeRecord<T>(record: StoredRecord): Promise<T> {
  schemas ??= import('./record-schemas.js')
  const { recordSchemas } = await schemas
  const where = `${record.collection} "${record.key}"`
  const fail = (problem: string) =>
    new StoredDataError({
      message: `Stored ${where} is unreadable: ${problem}`,
      collection: record.collection,
      key: record.key,
    })
  const schema = recordSchemas[record.collection]
  if (schema === undefined) throw fail('unknown collection.')
  let data = record.data
  let version = data.version
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw fail(`its format version is ${JSON.stringify(version)}, not a positive integer.`)
  }
  const latest = LATEST_VERSIONS[record.collection] ?? STORAGE_FORMAT_VERSION
  if (version > latest) {
    throw fail(
      `it was written in format version ${version} by a newer agentloop; this one reads versions up to ${latest}. Upgrade agentloop.`,
    )
  }
  while (version < latest) {
    const upgrade = upgrades[record.collection]?.[version]
    if (upgrade !== undefined) data = upgrade(data)
    version += 1
  }
  const parsed = schema.safeParse(data)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path = (issue?.path ?? []).map(String).join('.')
    throw fail(
      `${path === '' ? '' : `field ${path}: `}${issue?.message ?? 'invalid'}. Repair or delete the record.`,
    )
  }
  return parsed.data as T
}

/** Decodes many records, in order. */
export function decodeRecords<T>(records: readonly StoredRecord[]): Promise<T[]> {
  return Promise.all(records.map((record) => decodeRecord<T>(record)))
}

/** Serialises a record's data for a backend; data JSON cannot hold (BigInt, cycles) gets a ConfigError. */
export function encodeData(data: JsonObject, collection: string, key: string): string {
  try {
    return JSON.stringify(data)
  } catch (error) {
    if (error instanceof RangeError) {
      throw new ConfigError({
        message: `Cannot store ${collection} "${key}": its data is nested too deeply to serialise (${error.message}). Keep stored values under ${MAX_JSON_DEPTH} levels of nesting; model output deeper than that is refused when parsed.`,
        cause: error,
      })
    }
    throw new ConfigError({
      message: `Cannot store ${collection} "${key}": its data is not JSON (${(error as Error).message}). Store plain JSON values only.`,
      cause: error,
    })
  }
}

/** Parses a record's data as a backend returns it; anything but a JSON object is a `StoredDataError`. */
export function parseData(text: string, collection: string, key: string): JsonObject {
  // stored data was serialised by JSON.stringify, so it is not deeper than it can handle: no scan
  const parsed = parseJson(text, { maxDepth: Number.POSITIVE_INFINITY })
  if (
    !parsed.ok ||
    parsed.value === null ||
    typeof parsed.value !== 'object' ||
    Array.isArray(parsed.value)
  ) {
    throw new StoredDataError({
      message: `Stored ${collection} "${key}" is unreadable: ${parsed.ok ? 'not a JSON object' : `not JSON (${parsed.message})`}. Repair or delete the record.`,
      collection,
      key,
    })
  }
  return parsed.value as JsonObject
}
