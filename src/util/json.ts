/** A JSON value: what may be stored, sent over the wire or put in an event. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue }

/** The result of {@link parseJson}: the value, or the parser's message. */
export type ParseJsonResult = { ok: true; value: unknown } | { ok: false; message: string }

/**
 * The one place where text from the network or a model is parsed as JSON. It never throws, and it
 * drops `__proto__` keys so parsed data can never reach an object's prototype.
 */
export function parseJson(text: string): ParseJsonResult {
  try {
    // The reviver is slow; only texts that mention __proto__ need it.
    return {
      ok: true,
      value: text.includes('__proto__') ? JSON.parse(text, dropProtoKeys) : JSON.parse(text),
    }
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) }
  }
}

function dropProtoKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value
}

/**
 * Serialises a value for a model or an event: strings stay as they are, anything else becomes JSON.
 * Values JSON cannot represent (cycles, BigInt) fall back to `String(value)` instead of throwing.
 */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined) return ''
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    // BigInt values or cycles: retry with BigInts as strings, else give up on JSON
    try {
      return JSON.stringify(value, bigintToString) ?? String(value)
    } catch {
      // A cyclic null-prototype object or a revoked Proxy has no String() either.
      try {
        return String(value)
      } catch {
        return '[a value that cannot be shown as text]'
      }
    }
  }
}

function bigintToString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
