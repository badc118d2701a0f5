import { HttpError } from './http-error.js'

/** A listing position as an opaque cursor. */
export function encodeCursor(position: { order: number; key: string }): string {
  return Buffer.from(JSON.stringify([position.order, position.key])).toString('base64url')
}

/** Reads a cursor made by `encodeCursor`; 422 naming `query.cursor` when it is not one. */
export function decodeCursor(cursor: string | undefined): { order: number; key: string } | undefined {
  if (cursor === undefined) return undefined
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { order: value[0], key: value[1] }
    }
  } catch {}
  throw new HttpError({
    type: 'invalid_request',
    field: 'query.cursor',
    message: 'query.cursor: not a cursor this server made; pass the nextCursor of the previous page.',
  })
}
