/**
 * JSON text PostgreSQL's JSONB can hold, reversibly. JSONB refuses two things any JSON may carry
 * (a model's output, a tool's result): the NUL character (`\u0000`) and lone surrogates
 * (`\udc00` without its pair; JSON.stringify writes them as escapes). They are rewritten as a
 * marker character followed by a letter, and the marker itself is doubled the same way, so
 * reading gives back exactly the string that was written. The marker is U+FDD0, a Unicode
 * "noncharacter" reserved for internal use, so real text almost never pays for the escaping.
 *
 * @module
 */

const MARK = '\uFDD0'
const ESCAPES = /\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u(0000|d[89a-f][0-9a-f]{2})|\\\\|\uFDD0/gi
const MARKED = /\uFDD0(?:(0)|(m)|u([0-9a-fA-F]{4}))/g

/** JSON text (as JSON.stringify writes it) to text JSONB accepts. */
export function toJsonb(text: string): string {
  if (!text.includes('\\u') && !text.includes(MARK)) return text
  return text.replace(ESCAPES, (match: string, high?: string, _low?: string, single?: string) => {
    if (high !== undefined) return match // a surrogate pair written as escapes: JSONB takes it
    if (match === MARK) return `${MARK}m`
    if (single === undefined) return match // an escaped backslash: skipped whole
    return single === '0000' ? `${MARK}0` : `${MARK}u${single}`
  })
}

/** JSONB's text (`data::text`) back to the JSON text that was written. */
export function fromJsonb(text: string): string {
  if (!text.includes(MARK)) return text
  return text.replace(MARKED, (_match: string, nul?: string, mark?: string, unit?: string) => {
    if (nul !== undefined) return '\\u0000'
    if (mark !== undefined) return MARK
    return `\\u${unit}`
  })
}

/** A JSON value as JSONB stores it (for queries that compare stored values, like metadata filters). */
export function jsonbValue(value: unknown): string {
  return toJsonb(JSON.stringify(value))
}

/** A string (an object key) as JSONB stores it. */
export function jsonbString(value: string): string {
  const escaped = toJsonb(JSON.stringify(value))
  return escaped === JSON.stringify(value) ? value : (JSON.parse(escaped) as string)
}
