/**
 * Conditions and the evaluators registered by prefix. A condition without a registered prefix is
 * an expression of the built-in language; `regex:` and `jsonpath:` are built in, and callers may
 * register more (`cel:`, `jmespath:`...) when they bind a workflow.
 *
 * @module
 */
import type { JsonObject, JsonValue } from '../../util/json.js'
import { ExpressionError } from '../workflow-errors.js'
import { evaluateExpression, isTruthy, type NameLookup, readProperty } from './evaluate-expression.js'
import { type CompiledExpression, parseExpression } from './parse-expression.js'

/** What a condition evaluator sees of the workflow's state. */
export interface ConditionScope {
  /** The value of a top-level name (a variable, a node id, `output`, `vars`, `input`), or undefined. */
  lookup: NameLookup
  /** The whole scope as one JSON object: variables, `{ [nodeId]: { output } }`, `output`, `vars`. */
  root(): JsonObject
}

/**
 * A condition language registered by prefix (`'regex:'`). `compile` checks the text after the
 * prefix when the workflow is bound (throw to reject it; the error names the node); `evaluate`
 * decides the condition for a scope. Neither may run the text as code.
 */
export interface ConditionEvaluator {
  compile(text: string): unknown
  evaluate(compiled: unknown, scope: ConditionScope): boolean
}

/** A condition compiled once: an expression of the built-in language or a prefixed one. */
export type CompiledCondition =
  | { kind: 'expression'; source: string; expression: CompiledExpression }
  | { kind: 'prefixed'; source: string; prefix: string; evaluator: ConditionEvaluator; compiled: unknown }

const PREFIX = /^([A-Za-z][\w-]*:)/

/** The prefix a condition starts with (`'regex:'`), if it has one. */
export function conditionPrefix(source: string): string | undefined {
  return PREFIX.exec(source)?.[1]
}

/**
 * Compiles a condition. Throws `ExpressionError` when it does not parse or names a prefix with no
 * registered evaluator.
 */
export function compileCondition(
  source: string,
  evaluators: ReadonlyMap<string, ConditionEvaluator>,
): CompiledCondition {
  const prefix = conditionPrefix(source)
  if (prefix === undefined) return { kind: 'expression', source, expression: parseExpression(source) }
  const evaluator = evaluators.get(prefix)
  if (evaluator === undefined) {
    throw new ExpressionError({
      message: `No condition evaluator is registered for the prefix "${prefix}" (registered: ${[...evaluators.keys()].join(', ')}). Register one with bindWorkflow(definition, { evaluators: { '${prefix}': evaluator } }).`,
      expression: source,
    })
  }
  let compiled: unknown
  try {
    compiled = evaluator.compile(source.slice(prefix.length))
  } catch (error) {
    if (error instanceof ExpressionError) throw error
    throw new ExpressionError({
      message: `The ${prefix} condition is invalid: ${error instanceof Error ? error.message : String(error)}`,
      expression: source,
      cause: error,
    })
  }
  return { kind: 'prefixed', source, prefix, evaluator, compiled }
}

/** Evaluates a condition: the expression's value, or the prefixed evaluator's boolean. */
export function evaluateCondition(condition: CompiledCondition, scope: ConditionScope): JsonValue {
  if (condition.kind === 'expression') return evaluateExpression(condition.expression, scope.lookup)
  let result: unknown
  try {
    result = condition.evaluator.evaluate(condition.compiled, scope)
  } catch (error) {
    if (error instanceof ExpressionError) throw error
    throw new ExpressionError({
      message: `The ${condition.prefix} condition failed: ${error instanceof Error ? error.message : String(error)}`,
      expression: condition.source,
      cause: error,
    })
  }
  return result === true
}

/** The longest regular expression `regex:` accepts, in characters. */
export const MAX_REGEX_LENGTH = 100
/** The longest text `regex:` tests, in characters. */
export const MAX_REGEX_INPUT = 1000

/**
 * `regex:<name path>,<pattern>`: whether the value at the path (a string; numbers and booleans
 * are converted) matches the pattern (`/pattern/flags` or a bare pattern). JavaScript regular
 * expressions can take exponential time, so patterns are guarded: at most 100 characters, no
 * backreferences or lookarounds, no quantified group that holds a quantifier or an alternation,
 * at most two unbounded quantifiers, and the text tested is at most 1,000 characters (longer
 * fails). For untrusted patterns register an evaluator built on a linear-time engine instead.
 */
export const regexEvaluator: ConditionEvaluator = {
  compile(text) {
    const comma = text.indexOf(',')
    if (comma <= 0)
      throw new Error('write regex:<path>,<pattern>, such as regex:triage.output.email,@example\\.com$')
    const path = parseExpression(text.slice(0, comma).trim())
    const raw = text.slice(comma + 1)
    const literal = /^\/(.*)\/([imsu]*)$/s.exec(raw)
    const pattern = literal?.[1] ?? raw
    const flags = literal?.[2] ?? ''
    checkPattern(pattern)
    let regex: RegExp
    try {
      regex = new RegExp(pattern, flags)
    } catch (error) {
      throw new Error(
        `the pattern ${JSON.stringify(pattern)} is not a valid regular expression (${(error as Error).message})`,
      )
    }
    return { path, regex }
  },
  evaluate(compiled, scope) {
    const { path, regex } = compiled as { path: CompiledExpression; regex: RegExp }
    const value = evaluateExpression(path, scope.lookup)
    if (value === null) return false
    if (typeof value === 'object') throw new Error(`the value of ${path.source} is not a string`)
    const text = String(value)
    if (text.length > MAX_REGEX_INPUT) {
      throw new Error(
        `the value of ${path.source} is ${text.length} characters long; regex: tests at most ${MAX_REGEX_INPUT}`,
      )
    }
    regex.lastIndex = 0
    return regex.test(text)
  },
}

function checkPattern(pattern: string): void {
  if (pattern.length === 0) throw new Error('the pattern is empty')
  if (pattern.length > MAX_REGEX_LENGTH) {
    throw new Error(`the pattern is ${pattern.length} characters long; the limit is ${MAX_REGEX_LENGTH}`)
  }
  if (/\\[1-9]|\\k<|\(\?<?[=!]/.test(pattern))
    throw new Error('backreferences and lookarounds are not allowed')
  // A stack of open groups: whether each holds a quantifier or an alternation.
  const groups: { risky: boolean }[] = []
  let unbounded = 0
  let inClass = false
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]
    if (char === '\\') {
      index++
      continue
    }
    if (inClass) {
      if (char === ']') inClass = false
      continue
    }
    if (char === '[') inClass = true
    else if (char === '(') groups.push({ risky: false })
    else if (char === '|') {
      const top = groups.at(-1)
      if (top !== undefined) top.risky = true
    } else if (char === ')') {
      const group = groups.pop()
      const next = pattern[index + 1]
      const quantified = next === '*' || next === '+' || next === '?' || next === '{'
      if (group?.risky === true && quantified) {
        throw new Error(
          'a quantified group may not contain a quantifier or an alternation (catastrophic backtracking)',
        )
      }
      const top = groups.at(-1)
      if (top !== undefined && (group?.risky === true || quantified)) top.risky = true
    } else if (char === '*' || char === '+' || char === '?' || char === '{') {
      if (char === '*' || char === '+' || (char === '{' && /^\{\d+,\}/.test(pattern.slice(index))))
        unbounded++
      const top = groups.at(-1)
      if (top !== undefined) top.risky = true
    }
  }
  if (unbounded > 2)
    throw new Error(`the pattern has ${unbounded} unbounded quantifiers; at most 2 are allowed`)
}

/**
 * `jsonpath:<path>`: whether the path selects at least one truthy value in the scope's root
 * object. A small subset of JSONPath: `$`, `.name`, `['name']`, `[index]`, `[*]` and `.*`, such
 * as `jsonpath:$.triage.output.labels[*].urgent`.
 */
export const jsonPathEvaluator: ConditionEvaluator = {
  compile(text) {
    return parseJsonPath(text.trim())
  },
  evaluate(compiled, scope) {
    let current: JsonValue[] = [scope.root()]
    for (const segment of compiled as JsonPathSegment[]) {
      const next: JsonValue[] = []
      for (const value of current) {
        if (segment === '*') {
          if (Array.isArray(value)) next.push(...value)
          else if (value !== null && typeof value === 'object') {
            for (const key of Object.keys(value)) next.push(readProperty(value, key, 'jsonpath'))
          }
        } else next.push(readProperty(value, segment, 'jsonpath'))
      }
      current = next
    }
    return current.some(isTruthy)
  },
}

type JsonPathSegment = string | number | '*'

function parseJsonPath(path: string): JsonPathSegment[] {
  if (!path.startsWith('$')) throw new Error(`a JSONPath starts with $; got ${JSON.stringify(path)}`)
  if (path.length > 500) throw new Error('the path is longer than 500 characters')
  const segments: JsonPathSegment[] = []
  const token = /\.([A-Za-z_$][\w$-]*)|\.\*|\[\*\]|\[(\d+)\]|\['([^'\\]*)'\]|\["([^"\\]*)"\]/y
  let index = 1
  while (index < path.length) {
    token.lastIndex = index
    const match = token.exec(path)
    if (match === null) {
      throw new Error(
        `unsupported JSONPath syntax at character ${index} of ${JSON.stringify(path)}; use .name, ['name'], [0], [*] or .*`,
      )
    }
    const [whole, name, position, single, double] = match
    if (name !== undefined) segments.push(name)
    else if (position !== undefined) segments.push(Number(position))
    else if (single !== undefined || double !== undefined) segments.push((single ?? double) as string)
    else segments.push('*')
    index += whole.length
  }
  for (const segment of segments) {
    if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') {
      throw new Error(`the property "${segment}" is not accessible`)
    }
  }
  return segments
}

/** The evaluators every bound workflow has, by prefix. */
export const BUILT_IN_EVALUATORS: ReadonlyMap<string, ConditionEvaluator> = new Map([
  ['regex:', regexEvaluator],
  ['jsonpath:', jsonPathEvaluator],
])
