/**
 * One home for checking the options objects users pass: unknown keys are rejected with a "did you
 * mean" suggestion (a misspelt option would otherwise be ignored silently, as `instruction` for
 * `instructions` was), and wrong types are described by what was given (`the string "5"`).
 *
 * @module
 */
import { ConfigError } from './errors.js'

/**
 * Throws a `ConfigError` when `value` has a key that is not in `known`, naming the closest known
 * key and listing them all. `field` names the options object in the message, e.g. `Agent "calc"`.
 * Keys whose value is `undefined` are ignored (spreading optional settings is common). `aliases`
 * maps names other libraries use (`max_tokens`) to ours (`maxOutputTokens`) for the suggestion.
 */
export function checkOptionKeys(
  value: object,
  known: readonly string[],
  field: string,
  aliases: Readonly<Record<string, string>> = {},
): void {
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined || known.includes(key)) continue
    const suggestion = Object.hasOwn(aliases, key) ? aliases[key] : closestKey(key, known)
    const hint = suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`
    throw new ConfigError({
      message: `${field}: unknown option "${key}".${hint} Known options: ${known.join(', ')}.`,
    })
  }
}

/**
 * Throws a `ConfigError` unless `value` is a plain options object (or `undefined`, when
 * `optional`). Returns the object, or `{}` for `undefined`.
 */
export function checkOptionsObject<T extends object>(value: T | undefined, field: string): T {
  if (value === undefined) return {} as T
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError({
      message: `${field} must be an options object { ... }; got ${describeValue(value)}.`,
    })
  }
  return value
}

/** Describes a value by type and content for an error message: `the string "5"`, `an array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return `an array of ${value.length}`
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
    case 'number':
    case 'bigint':
    case 'boolean':
      return `the ${typeof value} ${String(value)}`
    case 'function':
      return 'a function'
    case 'symbol':
      return 'a symbol'
    default: {
      const name = (value as object).constructor?.name
      return name && name !== 'Object' ? `a ${name} object` : 'an object'
    }
  }
}

/** The known key closest to `key` by edit distance (case-insensitive), when it is close enough. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of known) {
    const other = candidate.toLowerCase()
    const distance =
      other.startsWith(lower) || lower.startsWith(other)
        ? Math.abs(other.length - lower.length)
        : editDistance(lower, other)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  // Up to a third of the key may differ (at least 2 edits), so unrelated keys get no suggestion.
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution)
    }
    previous = current
  }
  return previous[b.length] ?? 0
}
