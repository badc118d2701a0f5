import { ConfigError } from '../../errors/errors.js'
import type { JsonObject, JsonValue } from '../../util/json.js'
import { StorageConflictError } from '../storage-errors.js'
import type { CommitResult, StoreDriver, WriteOperation } from '../store-driver.js'

/**
 * A key made of several parts that cannot collide (`a:b` + `c` vs `a` + `b:c`): each part is
 * prefixed by its length.
 */
export function compositeKey(...parts: readonly string[]): string {
  let key = ''
  for (const part of parts) key += `${part.length}:${part}`
  return key
}

/** A new random id. */
export function newId(): string {
  return globalThis.crypto.randomUUID()
}

let lastTime = 0
let timePrefix = ''
let sequence = 0
const pool = new Uint8Array(4096)
let poolIndex = pool.length

/**
 * A new message id: 16 characters, the time in base 36 (8, so ids of one process sort by creation
 * and index pages fill in order), a counter within the millisecond (2) and 36 random bits (6).
 * Shorter than a UUID because a message id is stored five times (its key, its index entries, the
 * next message's parent link and parent id).
 */
export function newMessageId(): string {
  const now = Date.now()
  if (now === lastTime) sequence = (sequence + 1) % 1296
  else {
    lastTime = now
    timePrefix = now.toString(36).padStart(8, '0')
    sequence = 0
  }
  // random bytes drawn from a pool refilled 4 KB at a time: one getRandomValues call per id costs
  // about 10 us, as much as the rest of a message's append
  if (poolIndex + 6 > pool.length) {
    globalThis.crypto.getRandomValues(pool)
    poolIndex = 0
  }
  let id = timePrefix + (sequence < 36 ? '0' : '') + sequence.toString(36)
  for (let index = 0; index < 6; index++) id += ALPHABET[(pool[poolIndex++] as number) & 63]
  return id
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_'

/** Checks that an id given by the caller is a non-empty string. */
export function requireId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError({
      message: `${field} must be a non-empty string; got ${value === undefined ? 'undefined' : JSON.stringify(value)}.`,
    })
  }
  return value
}

/** Checks that an optional value is JSON (what a store can keep); throws a ConfigError naming the field. */
export function requireJson(value: unknown, field: string): void {
  const problem = jsonProblem(value, 0)
  if (problem !== undefined) {
    throw new ConfigError({
      message: `${field}${problem}. Store only JSON values (convert dates to strings or numbers).`,
    })
  }
}

function jsonProblem(value: unknown, depth: number): string | undefined {
  if (depth > 200) return ' is nested too deeply (over 200 levels)'
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined
  if (typeof value === 'number')
    return Number.isFinite(value) ? undefined : ` is ${value}, not a finite number`
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const problem = jsonProblem(value[index], depth + 1)
      if (problem !== undefined) return `[${index}]${problem}`
    }
    return undefined
  }
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) {
      return ` is a ${prototype?.constructor?.name ?? 'non-plain'} object, not plain JSON`
    }
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue
      const problem = jsonProblem(item, depth + 1)
      if (problem !== undefined) return `.${key}${problem}`
    }
    return undefined
  }
  return ` is a ${typeof value}, not JSON`
}

const NOT_JSON = Symbol('not JSON')

function copyValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : NOT_JSON
  if (depth > 200 || typeof value !== 'object') return NOT_JSON
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length)
    for (let index = 0; index < value.length; index++) {
      const item = copyValue(value[index], depth + 1)
      if (item === NOT_JSON) return NOT_JSON
      copy[index] = item
    }
    return copy
  }
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return NOT_JSON
  const copy: Record<string, unknown> = {}
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key]
    if (field === undefined) continue
    const item = copyValue(field, depth + 1)
    if (item === NOT_JSON) return NOT_JSON
    copy[key] = item
  }
  return copy
}

/**
 * A private copy of a JSON value, checked as `requireJson` checks it, in one walk (where
 * `requireJson` then `structuredClone` took two, and `structuredClone` is the slower of the two).
 * Fields that are `undefined` are dropped, as JSON would.
 */
export function copyJson<T>(value: T, field: string): T {
  const copy = copyValue(value, 0)
  if (copy === NOT_JSON) {
    requireJson(value, field)
    throw new ConfigError({ message: `${field} is not JSON. Store only JSON values.` })
  }
  return copy as T
}

/** Drops `undefined` fields, as JSON would, so the stored object and the returned one agree. */
export function compact<T extends object>(value: T): T {
  const result: Record<string, unknown> = {}
  for (const key in value) {
    const item = value[key]
    if (item !== undefined) result[key] = item
  }
  return result as T
}

/** Applies a batch, turning a failed revision check into a `StorageConflictError`. */
export async function commitOrThrow(
  driver: StoreDriver,
  operations: readonly WriteOperation[],
  now = Date.now(),
): Promise<number[]> {
  const result: CommitResult = await driver.commit(operations, now)
  if (result.ok) return result.revisions
  throw conflictError(operations, result)
}

/** The `StorageConflictError` of a batch that failed a revision check. */
export function conflictError(
  operations: readonly WriteOperation[],
  result: { index: number; actualRevision: number | null },
): StorageConflictError {
  const failed = operations[result.index]
  return new StorageConflictError({
    collection: failed?.collection ?? '?',
    key: failed !== undefined && 'key' in failed ? failed.key : '?',
    expectedRevision:
      failed !== undefined && 'expectedRevision' in failed ? (failed.expectedRevision ?? null) : null,
    actualRevision: result.actualRevision,
  })
}

/**
 * Runs a read-modify-write until it commits without a concurrent change: optimistic concurrency.
 * Backs off a little (randomly) under contention.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, maxAttempts = 200): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt()
    } catch (error) {
      if (!(error instanceof StorageConflictError) || tries >= maxAttempts) throw error
      if (tries > 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(tries, 20)))
    }
  }
}

/** Whether `metadata` has every field of `filter` with an equal (JSON) value. */
export function matchesFilter(metadata: JsonObject, filter: JsonObject | undefined): boolean {
  if (filter === undefined) return true
  for (const [key, expected] of Object.entries(filter)) {
    if (!jsonEqual(metadata[key], expected)) return false
  }
  return true
}

function jsonEqual(left: JsonValue | undefined, right: JsonValue | undefined): boolean {
  if (left === right) return true
  if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return false
  if (Array.isArray(left) !== Array.isArray(right)) return false
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => jsonEqual(item, right[index]))
  }
  const leftObject = left as JsonObject
  const rightObject = right as JsonObject
  const keys = Object.keys(leftObject)
  return (
    keys.length === Object.keys(rightObject).length &&
    keys.every((key) => jsonEqual(leftObject[key], rightObject[key]))
  )
}

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosineSimilarity(left: readonly number[], right: readonly number[]): number {
  let dot = 0
  let leftNorm = 0
  let rightNorm = 0
  for (let index = 0; index < left.length; index++) {
    const a = left[index] as number
    const b = right[index] as number
    dot += a * b
    leftNorm += a * a
    rightNorm += b * b
  }
  if (leftNorm === 0 || rightNorm === 0) return 0
  return dot / Math.sqrt(leftNorm * rightNorm)
}

/** A positive integer limit, or the default. */
export function limitOf(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError({ message: `${field} must be a positive integer; got ${value}.` })
  }
  return value
}
