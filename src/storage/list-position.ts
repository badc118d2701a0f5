/**
 * Positions in a listing and the opaque cursors built from them: a cursor is the (order, key) of
 * the last record of a page, so the next page starts right after it whatever was written since.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import { parseJson } from '../util/json.js'
import type { ListPosition } from './store-driver.js'

/**
 * Byte order of the UTF-8 text (code point order), as SQLite, PostgreSQL (`COLLATE "C"`) and
 * Redis sort keys. JavaScript's `<` compares UTF-16 units, which puts astral characters (surrogate
 * pairs) before U+E000..U+FFFF; the fix-up below moves surrogates above the rest of the BMP.
 */
export function compareKeys(left: string, right: string): number {
  if (left === right) return 0
  const length = Math.min(left.length, right.length)
  for (let index = 0; index < length; index++) {
    let a = left.charCodeAt(index)
    let b = right.charCodeAt(index)
    if (a === b) continue
    if (a >= 0xd800) a += a >= 0xe000 ? -0x800 : 0x2000
    if (b >= 0xd800) b += b >= 0xe000 ? -0x800 : 0x2000
    return a - b
  }
  return left.length - right.length
}

/** Orders positions by order, then key: negative when `left` comes first (ascending). */
export function comparePositions(left: ListPosition, right: ListPosition): number {
  return left.order - right.order || compareKeys(left.key, right.key)
}

/** An opaque cursor for the position (base64url JSON; callers must not depend on its shape). */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.order, position.key]), 'utf8').toString('base64url')
}

/** Reads a cursor made by {@link encodeCursor}; anything else is a ConfigError naming `field`. */
export function decodeCursor(cursor: string, field: string): ListPosition {
  const parsed =
    typeof cursor === 'string' ? parseJson(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined
  const value = parsed?.ok ? parsed.value : undefined
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== 'number' ||
    !Number.isFinite(value[0]) ||
    typeof value[1] !== 'string'
  ) {
    throw new ConfigError({
      message: `${field} ${JSON.stringify(cursor)} is not a cursor this storage returned. Pass the nextCursor of the previous page unchanged, or omit it for the first page.`,
    })
  }
  return { order: value[0], key: value[1] }
}
