/**
 * Reading a thrown value without trusting it. Anything can be thrown: a string, a cyclic
 * null-prototype object, a revoked Proxy (every operation on it throws, `instanceof` included), an
 * Error whose `name` or `message` getter throws. Every place that reads a thrown value (tool
 * results, hooks, steps, LLM functions, events) goes through {@link describeError}, which never
 * throws.
 *
 * @module
 */

/** What {@link describeError} returns: a short, JSON-safe name and message. */
export interface ErrorDescription {
  name: string
  message: string
}

const MAX_NAME = 100
const UNREADABLE = 'a value that could not be read'

/**
 * Turns anything thrown into a short, JSON-safe `{ name, message }` for events, logs and tool
 * results. It never throws and never runs more than one getter per field: an Error's `name` and
 * `message` (when they are strings), a string as is, anything else as JSON or its `String()`, and
 * for a value none of these can read, the message "a value that could not be read".
 */
export function describeError(error: unknown): ErrorDescription {
  if (typeof error === 'string') return { name: 'Error', message: error }
  if (typeof error !== 'object' || error === null) {
    return { name: 'Error', message: primitiveText(error) }
  }
  if (isError(error)) {
    const name = readString(error, 'name') ?? 'Error'
    const message = readString(error, 'message') ?? UNREADABLE
    return { name: name.slice(0, MAX_NAME), message }
  }
  return { name: 'Error', message: objectText(error) }
}

/**
 * The thrown value itself when code may inspect it (`instanceof`, `.name`, `.message`) without
 * throwing; otherwise (a revoked Proxy, an `Error` whose `name` or `message` getter throws) a plain
 * `Error` with the description of the value as its message and the value as its `cause`. Apply
 * it where a thrown value enters code that inspects it (a run's or a step's failure handling).
 */
export function readableError(thrown: unknown): unknown {
  if ((typeof thrown !== 'object' && typeof thrown !== 'function') || thrown === null) return thrown
  try {
    if (thrown instanceof Error) {
      void thrown.name
      void thrown.message
    }
    return thrown
  } catch {
    return new Error(describeError(thrown).message, { cause: thrown })
  }
}

/** The message of anything thrown, never throwing: `describeError(error).message`. */
export function errorMessage(error: unknown): string {
  return describeError(error).message
}

/**
 * `value instanceof type`, but false instead of throwing when the check itself throws (a revoked
 * Proxy, a Proxy whose `getPrototypeOf` trap throws).
 */
export function isInstanceOf<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type
  } catch {
    return false
  }
}

function isError(value: object): value is Error {
  return isInstanceOf(value, Error)
}

function readString(value: object, key: 'name' | 'message'): string | undefined {
  try {
    const field = (value as Record<string, unknown>)[key]
    return typeof field === 'string' ? field : undefined
  } catch {
    return undefined
  }
}

function primitiveText(value: unknown): string {
  try {
    return typeof value === 'symbol' || typeof value === 'bigint' || value === undefined
      ? String(value)
      : JSON.stringify(value)
  } catch {
    return UNREADABLE
  }
}

function objectText(value: object): string {
  try {
    const json = JSON.stringify(value)
    if (json !== undefined) return json
  } catch {
    // Cycles, BigInts, throwing getters or a revoked Proxy: try String() next.
  }
  try {
    return String(value)
  } catch {
    return UNREADABLE
  }
}
