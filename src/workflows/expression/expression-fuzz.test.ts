import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AgentLoopError } from '../../errors/errors.js'
import { evaluateExpression } from './evaluate-expression.js'
import { parseExpression } from './parse-expression.js'

// Host values an expression must never reach: calling a function, running a getter or returning
// one of these fails the property.
let touched: string[] = []
const hostFunction = Object.assign(
  () => {
    touched.push('function called')
    return 'secret'
  },
  { data: 'function property' },
)
const withGetter = Object.defineProperty({ plain: 1 }, 'secret', {
  enumerable: true,
  get() {
    touched.push('getter ran')
    return 'secret'
  },
})
const hostObjects: unknown[] = [hostFunction, process, globalThis, new Map(), new Date(0), Function.prototype]
touched = []
const names: Record<string, unknown> = {
  fn: hostFunction,
  getter: withGetter,
  proc: process,
  global: globalThis,
  map: new Map([['a', 1]]),
  date: new Date(0),
  inherited: Object.create({ secret: 'inherited' }),
  text: 'Hello',
  number: 42,
  list: [1, 'two', { three: 3 }],
  object: { a: { b: ['c'] }, 'key with space': true },
}

const identifiers = [
  ...Object.keys(names),
  'missing',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'process',
  'require',
  'Function',
  'eval',
  'call',
  'apply',
  'bind',
  'length',
  'constructor',
  '__proto__',
  'prototype',
]
const operators = [
  '+',
  '-',
  '*',
  '/',
  '%',
  '==',
  '!=',
  '===',
  '<',
  '>=',
  '&&',
  '||',
  '??',
  'in',
  '&',
  '|',
  '=',
  '**',
]
const functions = [
  'lower',
  'upper',
  'trim',
  'length',
  'string',
  'number',
  'contains',
  'startsWith',
  'endsWith',
  'eval',
  'fn',
]

const expression: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...identifiers),
    fc.constantFrom('1', '0', '-1', '1e308', '"x"', "'__proto__'", 'true', 'null', '[]', '"constructor"'),
    fc
      .tuple(tie('expr'), fc.constantFrom(...identifiers))
      .map(([object, property]) => `${object}.${property}`),
    fc.tuple(tie('expr'), tie('expr')).map(([object, key]) => `${object}[${key}]`),
    fc
      .tuple(tie('expr'), fc.constantFrom(...operators), tie('expr'))
      .map(([left, op, right]) => `(${left} ${op} ${right})`),
    fc.tuple(fc.constantFrom('!', '-', '~', 'typeof '), tie('expr')).map(([op, value]) => `${op}${value}`),
    fc
      .tuple(fc.constantFrom(...functions), fc.array(tie('expr'), { maxLength: 3 }))
      .map(([name, args]) => `${name}(${args.join(', ')})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([a, b, c]) => `${a} ? ${b} : ${c}`),
    fc.array(tie('expr'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
    fc.tuple(tie('expr'), tie('expr')).map(([object, method]) => `${object}.${method}()`),
  ),
})).expr

function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 100) return false
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every((item) => isPlainJson(item, depth + 1))
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) return false
    return Object.values(value).every((item) => isPlainJson(item, depth + 1))
  }
  return false
}

function check(source: string): void {
  touched = []
  const started = performance.now()
  let result: unknown
  try {
    result = evaluateExpression(parseExpression(source), (name) => names[name])
  } catch (error) {
    if (!(error instanceof AgentLoopError))
      throw new Error(`a non-AgentLoopError escaped for ${source}: ${String(error)}`)
    result = null
  }
  expect(performance.now() - started, source).toBeLessThan(1000)
  expect(touched, source).toEqual([])
  expect(isPlainJson(result), source).toBe(true)
  expect(hostObjects.includes(result), source).toBe(false)
  expect(({} as Record<string, unknown>).polluted, source).toBeUndefined()
}

describe('the condition language under random input', () => {
  it('never reaches a host value, throws only AgentLoopErrors and never hangs, for generated expressions', () => {
    fc.assert(fc.property(expression, check), { numRuns: 2000 })
  })

  it('does the same for arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), check), { numRuns: 2000 })
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            ...identifiers,
            ...operators,
            '(',
            ')',
            '[',
            ']',
            '.',
            ',',
            '"',
            '?',
            ':',
            ' ',
            '1',
          ),
          { maxLength: 60 },
        ),
        (tokens) => check(tokens.join('')),
      ),
      { numRuns: 2000 },
    )
  })

  it('stays fast on the longest and deepest accepted expressions', () => {
    check(`${'text + '.repeat(140)}text`)
    check(`${'-'.repeat(31)}number`)
    check(Array.from({ length: 90 }, () => 'list').join(' == '))
  })
})
