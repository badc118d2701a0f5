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
  if (value === null || typeof value !== 'object') return JSON.stringify(value)?.length ?? 0
  let size = sizes.get(value)
  if (size === undefined) {
    size = JSON.stringify(value)?.length ?? 0
    sizes.set(value, size)
  }
  return size
}

/** A character that `JSON.stringify` escapes in a string (a quote, a backslash, a control character, a surrogate). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/

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
    const field = fields[key]
    let length: number
    switch (typeof field) {
      case 'string':
        if (ESCAPED.test(field)) return JSON.stringify(value).length
        length = field.length + 2
        break
      case 'number':
        length = numberLength(field)
        break
      case 'boolean':
        length = field ? 4 : 5
        break
      case 'undefined':
      case 'function':
      case 'symbol':
        continue
      default:
        if (field !== null) return JSON.stringify(value).length
        length = 4
    }
    if (ESCAPED.test(key)) return JSON.stringify(value).length
    size += key.length + 3 + length + 1
  }
  return size === 1 ? 2 : size
}

/** The length of a number as JSON writes it (`null` when it is not finite). */
function numberLength(value: number): number {
  if (!Number.isFinite(value)) return 4
  if (!Number.isSafeInteger(value)) return String(value).length
  let digits = value < 0 ? 2 : 1
  for (let rest = Math.abs(value); rest >= 10; rest = Math.floor(rest / 10)) digits++
  return digits
}
