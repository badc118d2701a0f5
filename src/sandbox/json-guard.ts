/** Keys a result crossing the sandbox boundary may not contain: they reach prototypes when merged. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor'])

/** The outcome of {@link parseGuardedJson}. */
export type GuardedJson = { ok: true; value: unknown } | { ok: false; message: string }

/**
 * Parses JSON text that came out of the sandbox. Rejects `__proto__` and `constructor` keys
 * anywhere, and nesting deeper than `maxDepth`, so the value is safe to merge, validate and clone.
 */
export function parseGuardedJson(text: string, maxDepth: number): GuardedJson {
  let forbidden: string | undefined
  let value: unknown
  try {
    value = JSON.parse(text, (key, item) => {
      if (FORBIDDEN_KEYS.has(key)) forbidden ??= key
      return item
    })
  } catch {
    return { ok: false, message: 'the result is not valid JSON' }
  }
  if (forbidden !== undefined) {
    return {
      ok: false,
      message: `the result contains a "${forbidden}" key, which is not allowed in values leaving the sandbox`,
    }
  }
  if (depthExceeds(value, maxDepth)) {
    return { ok: false, message: `the result is nested deeper than ${maxDepth} levels` }
  }
  return { ok: true, value }
}

/** Whether `value` nests objects or arrays deeper than `maxDepth`; iterative, so it cannot overflow. */
function depthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number]
    if (typeof item !== 'object' || item === null) continue
    if (depth >= maxDepth) return true
    const children = Array.isArray(item) ? item : Object.values(item)
    for (const child of children)
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
  }
  return false
}
