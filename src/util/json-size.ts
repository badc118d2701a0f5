/**
 * The JSON size (UTF-16 units, as `JSON.stringify` emits) of values that never change once made:
 * an object's size is measured once and remembered (a weak map), so checkpoints that keep asking
 * about the same messages, items or node outputs pay for each of them once.
 *
 * @module
 */

const sizes = new WeakMap<object, number>()

/** The JSON size of `value`, measured once per object. Do not use it for objects that change. */
export function jsonSizeOnce(value: unknown): number {
  if (value === null) return 4
  if (typeof value === 'number') return jsonNumberLength(value)
  if (typeof value !== 'object') return JSON.stringify(value)?.length ?? 0
  let size = sizes.get(value)
  if (size === undefined) {
    size = JSON.stringify(value)?.length ?? 0
    sizes.set(value, size)
  }
  return size
}

/**
 * The JSON size (UTF-16 units, as `JSON.stringify` emits) of a plain object, counted without
 * serialising it when its fields are numbers, booleans, null and strings that need no escapes (an
 * event's, a node record's); anything else is serialised. Exactly `JSON.stringify(value).length`.
 */
export function flatJsonSize(value: object): number {
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return JSON.stringify(value)?.length ?? 0
  const fields = value as Record<string, unknown>
  // The braces; each field adds its quoted key, a colon, its value and a comma (one too many).
  let size = 1
  for (const key in fields) {
    const field = jsonFieldSize(key, fields[key])
    if (field < 0) return JSON.stringify(value).length
    size += field
  }
  return size === 1 ? 2 : size
}

/**
 * What a field adds to the JSON size of an object (its quoted key, a colon, its value and a comma
 * or the closing brace): 0 for a field JSON leaves out (undefined, a function), -1 when it is not
 * flat (an object or array value) or JSON escapes its key or string value.
 */
export function jsonFieldSize(key: string, value: unknown): number {
  let length: number
  switch (typeof value) {
    case 'string':
      if (escapes(value)) return -1
      length = value.length + 2
      break
    case 'number':
      length = jsonNumberLength(value)
      break
    case 'boolean':
      length = value ? 4 : 5
      break
    case 'undefined':
    case 'function':
    case 'symbol':
      return 0
    default:
      if (value !== null) return -1
      length = 4
  }
  return escapes(key) ? -1 : key.length + length + 4
}

/** Whether `JSON.stringify` escapes a character of `text` (a quote, a backslash, a control character, a surrogate). */
function escapes(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return true
  }
  return false
}

/** The length of a number as JSON writes it (`null` when it is not finite). */
export function jsonNumberLength(value: number): number {
  if (!Number.isFinite(value)) return 4
  if (!Number.isSafeInteger(value)) return String(value).length
  // -0 is written 0.
  return value < 0 ? 1 + digits(-value) : digits(value)
}

/** The decimal digits of a safe integer at least 0 (a timestamp has 13). */
function digits(value: number): number {
  if (value < 1e8) {
    if (value < 1e4) return value < 10 ? 1 : value < 100 ? 2 : value < 1e3 ? 3 : 4
    return value < 1e5 ? 5 : value < 1e6 ? 6 : value < 1e7 ? 7 : 8
  }
  if (value < 1e12) return value < 1e9 ? 9 : value < 1e10 ? 10 : value < 1e11 ? 11 : 12
  return value < 1e13 ? 13 : value < 1e14 ? 14 : value < 1e15 ? 15 : 16
}
