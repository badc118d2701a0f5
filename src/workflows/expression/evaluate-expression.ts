/**
 * Evaluates a parsed expression over JSON data. Values are only ever JSON: reading a name or a
 * property goes through {@link readProperty}, which returns own data properties of plain objects
 * and arrays (never a getter, a function, a prototype or a host object), so an expression cannot
 * reach anything but the workflow's data.
 *
 * @module
 */
import type { JsonValue } from '../../util/json.js'
import { ExpressionError } from '../workflow-errors.js'
import { BLOCKED_PROPERTIES, type CompiledExpression, type ExpressionNode } from './parse-expression.js'

/** Where an expression's free names come from: returns the value of a name, or undefined. */
export type NameLookup = (name: string) => unknown

/** The longest string an expression may build, in characters. */
export const MAX_STRING_LENGTH = 100_000

/** Evaluates an expression; throws `ExpressionError` for a type mismatch or an invalid operation. */
export function evaluateExpression(expression: CompiledExpression, lookup: NameLookup): JsonValue {
  return evaluate(expression.ast, lookup, expression.source)
}

/** JavaScript truthiness, for conditions: false, 0, '', null are false; everything else is true. */
export function isTruthy(value: JsonValue): boolean {
  return value !== false && value !== 0 && value !== '' && value !== null
}

function fail(source: string, message: string): never {
  throw new ExpressionError({
    message: `${message} (in \`${source.length > 80 ? `${source.slice(0, 80)}…` : source}\`)`,
    expression: source,
  })
}

function evaluate(node: ExpressionNode, lookup: NameLookup, source: string): JsonValue {
  switch (node.type) {
    case 'Literal':
      return node.value
    case 'Identifier':
      return toJson(lookup(node.name))
    case 'MemberExpression': {
      const object = evaluate(node.object, lookup, source)
      const key = node.computed
        ? evaluate(node.property, lookup, source)
        : (node.property as { name: string }).name
      return readProperty(object, key, source)
    }
    case 'UnaryExpression': {
      const value = evaluate(node.argument, lookup, source)
      if (node.operator === '!') return !isTruthy(value)
      if (typeof value !== 'number')
        fail(source, `Unary ${node.operator} needs a number; got ${describe(value)}`)
      return node.operator === '-' ? -value : value
    }
    case 'BinaryExpression':
      return binary(node.operator, node.left, node.right, lookup, source)
    case 'ConditionalExpression':
      return isTruthy(evaluate(node.test, lookup, source))
        ? evaluate(node.consequent, lookup, source)
        : evaluate(node.alternate, lookup, source)
    case 'ArrayExpression':
      return node.elements.map((element) => evaluate(element, lookup, source))
    case 'CallExpression':
      return call(
        node.callee.name,
        node.arguments.map((argument) => evaluate(argument, lookup, source)),
        source,
      )
    default: {
      const unknown: never = node
      return fail(source, `Unsupported expression ${JSON.stringify((unknown as { type: string }).type)}`)
    }
  }
}

function binary(
  operator: string,
  leftNode: ExpressionNode,
  rightNode: ExpressionNode,
  lookup: NameLookup,
  source: string,
): JsonValue {
  const left = evaluate(leftNode, lookup, source)
  // The logical operators short-circuit and return an operand, as in JavaScript.
  if (operator === '&&') return isTruthy(left) ? evaluate(rightNode, lookup, source) : left
  if (operator === '||') return isTruthy(left) ? left : evaluate(rightNode, lookup, source)
  if (operator === '??') return left === null ? evaluate(rightNode, lookup, source) : left
  const right = evaluate(rightNode, lookup, source)
  switch (operator) {
    case '==':
    case '===':
      return jsonEqual(left, right, 0)
    case '!=':
    case '!==':
      return !jsonEqual(left, right, 0)
    case '<':
    case '>':
    case '<=':
    case '>=': {
      if (
        !(
          (typeof left === 'number' && typeof right === 'number') ||
          (typeof left === 'string' && typeof right === 'string')
        )
      ) {
        fail(
          source,
          `${operator} compares two numbers or two strings; got ${describe(left)} and ${describe(right)}`,
        )
      }
      if (operator === '<') return left < right
      if (operator === '>') return left > right
      return operator === '<=' ? left <= right : left >= right
    }
    case 'in':
      return contains(right, left, operator, source)
    case '+':
      if (typeof left === 'number' && typeof right === 'number') return finite(left + right, source)
      if (typeof left === 'string' || typeof right === 'string') {
        if (!isScalar(left) || !isScalar(right)) {
          fail(
            source,
            `+ joins strings with strings, numbers or booleans; got ${describe(left)} and ${describe(right)}`,
          )
        }
        const joined = `${left}${right}`
        if (joined.length > MAX_STRING_LENGTH)
          fail(source, `The string built is longer than ${MAX_STRING_LENGTH} characters`)
        return joined
      }
      return fail(source, `+ adds numbers or joins strings; got ${describe(left)} and ${describe(right)}`)
    case '-':
    case '*':
    case '/':
    case '%': {
      if (typeof left !== 'number' || typeof right !== 'number') {
        fail(source, `${operator} needs two numbers; got ${describe(left)} and ${describe(right)}`)
      }
      if ((operator === '/' || operator === '%') && right === 0) fail(source, 'Division by zero')
      const result =
        operator === '-'
          ? left - right
          : operator === '*'
            ? left * right
            : operator === '/'
              ? left / right
              : left % right
      return finite(result, source)
    }
    default:
      return fail(source, `Unsupported operator ${operator}`)
  }
}

function finite(value: number, source: string): number {
  if (!Number.isFinite(value)) fail(source, 'The arithmetic overflowed (the result is not a finite number)')
  return value
}

function isScalar(value: JsonValue): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

function contains(container: JsonValue, item: JsonValue, operator: string, source: string): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string')
      fail(source, `${operator} on a string looks for a substring; got ${describe(item)}`)
    return container.includes(item)
  }
  if (Array.isArray(container)) return container.some((element) => jsonEqual(toJson(element), item, 0))
  if (container !== null && typeof container === 'object') {
    if (typeof item !== 'string')
      fail(source, `${operator} on an object looks for a key (a string); got ${describe(item)}`)
    return !BLOCKED_PROPERTIES.has(item) && Object.hasOwn(container, item)
  }
  return fail(
    source,
    `The right side of ${operator} must be a string, an array or an object; got ${describe(container)}`,
  )
}

function call(name: string, args: JsonValue[], source: string): JsonValue {
  const [first, second] = args as [JsonValue, JsonValue]
  const text = (value: JsonValue): string => {
    if (typeof value !== 'string') fail(source, `${name}() needs a string; got ${describe(value)}`)
    return value
  }
  switch (name) {
    case 'lower':
      return text(first).toLowerCase()
    case 'upper':
      return text(first).toUpperCase()
    case 'trim':
      return text(first).trim()
    case 'length':
      if (typeof first === 'string' || Array.isArray(first)) return first.length
      if (first !== null && typeof first === 'object') return Object.keys(first).length
      return fail(source, `length() needs a string, an array or an object; got ${describe(first)}`)
    case 'string':
      return typeof first === 'string' ? first : JSON.stringify(ownDataCopy(first, 0))
    case 'number': {
      const value =
        typeof first === 'number'
          ? first
          : typeof first === 'string' && first.trim() !== ''
            ? Number(first)
            : Number.NaN
      if (!Number.isFinite(value)) fail(source, `number() cannot convert ${describe(first)}`)
      return value
    }
    case 'contains':
      return contains(first, second, 'contains()', source)
    case 'startsWith':
      return text(first).startsWith(text(second))
    case 'endsWith':
      return text(first).endsWith(text(second))
    default:
      return fail(source, `Unknown function ${name}()`)
  }
}

/**
 * Reads `object[key]` the safe way: own data properties of plain objects, array elements and
 * `length`, string characters and `length`. Anything else (a missing key, a getter, a function,
 * a prototype, a host object) reads as null; `__proto__`, `constructor` and `prototype` fail.
 */
export function readProperty(object: JsonValue, key: JsonValue, source: string): JsonValue {
  if (typeof key === 'number') {
    if (!Number.isInteger(key) || key < 0) return null
    if (Array.isArray(object)) return key < object.length ? toJson(object[key]) : null
    if (typeof object === 'string') return key < object.length ? (object[key] as string) : null
    return null
  }
  if (typeof key !== 'string')
    fail(source, `A property name must be a string or a number; got ${describe(key)}`)
  if (BLOCKED_PROPERTIES.has(key)) fail(source, `The property "${key}" is not accessible`)
  if (Array.isArray(object) || typeof object === 'string') return key === 'length' ? object.length : null
  if (object === null || typeof object !== 'object') return null
  const descriptor = Object.getOwnPropertyDescriptor(object, key)
  if (descriptor === undefined || !('value' in descriptor)) return null
  return toJson(descriptor.value)
}

/**
 * What an expression sees of a host value: JSON scalars, arrays and plain objects pass; anything
 * else (undefined, functions, class instances, NaN) is null.
 */
export function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : null
    case 'object': {
      if (Array.isArray(value)) return value as JsonValue[]
      const prototype = Object.getPrototypeOf(value)
      return prototype === Object.prototype || prototype === null ? (value as JsonValue) : null
    }
    default:
      return null
  }
}

/** Deep equality of JSON values (what `==` means in expressions). */
export function valuesEqual(left: JsonValue, right: JsonValue): boolean {
  return jsonEqual(left, right, 0)
}

function jsonEqual(left: unknown, right: unknown, depth: number): boolean {
  if (left === right) return true
  if (
    depth > 64 ||
    left === null ||
    right === null ||
    typeof left !== 'object' ||
    typeof right !== 'object'
  ) {
    return false
  }
  if (Array.isArray(left) !== Array.isArray(right)) return false
  const leftKeys = Object.keys(left)
  const rightKeys = Object.keys(right)
  if (leftKeys.length !== rightKeys.length) return false
  for (const key of leftKeys) {
    if (!Object.hasOwn(right, key)) return false
    if (!jsonEqual(ownValue(left, key), ownValue(right, key), depth + 1)) return false
  }
  return true
}

/** An own data property's value as JSON (a getter is never called). */
/**
 * A copy of a value made of its own data properties only, so serialising it runs no getter,
 * `toJSON` or other host code (a variable may hold an object with accessors).
 */
function ownDataCopy(value: JsonValue, depth: number): JsonValue {
  if (value === null || typeof value !== 'object' || depth > 64)
    return typeof value === 'object' ? null : value
  if (Array.isArray(value)) {
    const items: JsonValue[] = []
    for (let index = 0; index < value.length; index++)
      items.push(ownDataCopy(ownValue(value, String(index)), depth + 1))
    return items
  }
  const copy: Record<string, JsonValue> = {}
  for (const key of Object.keys(value)) {
    if (key === '__proto__') continue
    copy[key] = ownDataCopy(ownValue(value, key), depth + 1)
  }
  return copy
}

function ownValue(object: object, key: string): JsonValue {
  const descriptor = Object.getOwnPropertyDescriptor(object, key)
  return descriptor !== undefined && 'value' in descriptor ? toJson(descriptor.value) : null
}

function describe(value: JsonValue): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
  return `the ${typeof value} ${String(value)}`
}
