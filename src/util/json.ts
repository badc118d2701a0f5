/** A JSON value: what may be stored, sent over the wire or put in an event. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue }

/** The result of {@link parseJson}: the value, or the parser's message. */
export type ParseJsonResult = { ok: true; value: unknown } | { ok: false; message: string }

/**
 * How deeply parsed JSON may nest. Deeper text is refused: a value nested some thousands of levels
 * deep cannot be serialised again (JSON.stringify overflows the stack), so it could never be
 * stored or sent on. No legitimate tool argument or answer comes near it.
 */
export const MAX_JSON_DEPTH = 1000

/** Whether JSON text nests arrays and objects more than `maxDepth` levels deep (strings skipped). */
function nestedDeeperThan(text: string, maxDepth: number): boolean {
  // valid JSON of depth d has at least 2d characters: short texts need no scan
  if (text.length <= 2 * maxDepth) return false
  let depth = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (inString) {
      if (code === 92)
        index++ // backslash: skip the escaped character
      else if (code === 34) inString = false
    } else if (code === 34) inString = true
    else if (code === 91 || code === 123) {
      if (++depth > maxDepth) return true
    } else if (code === 93 || code === 125) depth--
  }
  return false
}

/**
 * The one place where text from the network or a model is parsed as JSON. It never throws, it
 * drops `__proto__` keys so parsed data can never reach an object's prototype, and it refuses
 * text nested deeper than `maxDepth` (default {@link MAX_JSON_DEPTH}) with a message saying so.
 */
export function parseJson(text: string, options: { maxDepth?: number } = {}): ParseJsonResult {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH
  if (nestedDeeperThan(text, maxDepth)) {
    return {
      ok: false,
      message: `the JSON is nested more than ${maxDepth} levels deep; the limit is ${maxDepth}`,
    }
  }
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
