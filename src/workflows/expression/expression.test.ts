import { describe, expect, it } from 'vitest'
import { AgentLoopError } from '../../errors/errors.js'
import type { JsonValue } from '../../util/json.js'
import { ExpressionError } from '../workflow-errors.js'
import { evaluateExpression } from './evaluate-expression.js'
import { parseExpression } from './parse-expression.js'

const data: Record<string, unknown> = {
  score: 0.8,
  count: 3,
  name: 'Ada Lovelace',
  tags: ['urgent', 'billing'],
  triage: { output: { category: 'billing', priority: 2, nested: { ok: true } } },
  empty: null,
}
const evaluate = (source: string, names: Record<string, unknown> = data): JsonValue =>
  evaluateExpression(parseExpression(source), (name) => names[name])

describe('the condition language', () => {
  it('compares, combines and computes', () => {
    expect(evaluate('score > 0.5 && count >= 3')).toBe(true)
    expect(evaluate('score < 0.5 || count != 3')).toBe(false)
    expect(evaluate('!(count == 3)')).toBe(false)
    expect(evaluate('count * 2 + 1 - 4 / 2 % 3')).toBe(5)
    expect(evaluate('-count')).toBe(-3)
    expect(evaluate('count > 2 ? "many" : "few"')).toBe('many')
    expect(evaluate('"a" < "b"')).toBe(true)
    expect(evaluate('empty ?? "default"')).toBe('default')
    expect(evaluate('missing || "fallback"')).toBe('fallback')
    expect(evaluate('[1, 2] == [1, 2]')).toBe(true)
    expect(evaluate('name + "!"')).toBe('Ada Lovelace!')
  })

  it('reads members of JSON data', () => {
    expect(evaluate('triage.output.category == "billing"')).toBe(true)
    expect(evaluate('triage.output["priority"]')).toBe(2)
    expect(evaluate('tags[1]')).toBe('billing')
    expect(evaluate('tags.length')).toBe(2)
    expect(evaluate('triage.output.nested.ok')).toBe(true)
    expect(evaluate('triage.output.missing')).toBe(null)
    expect(evaluate('triage.output.missing.deeper')).toBe(null)
    expect(evaluate('tags[9]')).toBe(null)
  })

  it('has in for arrays, strings and object keys', () => {
    expect(evaluate('"urgent" in tags')).toBe(true)
    expect(evaluate('"spam" in tags')).toBe(false)
    expect(evaluate('"Love" in name')).toBe(true)
    expect(evaluate('"category" in triage.output')).toBe(true)
    expect(evaluate('"toString" in triage.output')).toBe(false)
  })

  it('has a fixed set of string functions', () => {
    expect(evaluate('lower(name)')).toBe('ada lovelace')
    expect(evaluate('upper("x")')).toBe('X')
    expect(evaluate('trim("  x ")')).toBe('x')
    expect(evaluate('length(tags) + length(name)')).toBe(14)
    expect(evaluate('contains(name, "Ada")')).toBe(true)
    expect(evaluate('startsWith(name, "Ada") && endsWith(name, "lace")')).toBe(true)
    expect(evaluate('number("42") + 1')).toBe(43)
    expect(evaluate('string(count)')).toBe('3')
  })

  it('rejects what it does not support when parsing, with a message saying so', () => {
    const cases: [string, RegExp][] = [
      ['a = 1', /does not parse|not supported/],
      ['a b', /several parts/],
      ['this.x', /this/],
      ['a & b', /operator "&"/],
      ['~a', /operator "~"/],
      ['eval("1")', /Only these functions/],
      ['name.toUpperCase()', /Only these functions/],
      ['lower()', /takes 1 argument/],
      ['a.__proto__', /not accessible/],
      ['constructor', /not allowed/],
      ['(', /does not parse/],
      ['', /empty/],
      ['x'.repeat(1001), /limit is 1000/],
      [`${'!'.repeat(40)}a`, /nested more than 32/],
    ]
    for (const [source, message] of cases) {
      expect(() => parseExpression(source), source).toThrow(ExpressionError)
      expect(() => parseExpression(source), source).toThrow(message)
    }
  })

  it('fails on type mismatches with an ExpressionError naming the values', () => {
    expect(() => evaluate('name > 3')).toThrow(
      /compares two numbers or two strings; got the string "Ada Lovelace" and the number 3/,
    )
    expect(() => evaluate('count / 0')).toThrow(/Division by zero/)
    expect(() => evaluate('tags - 1')).toThrow(ExpressionError)
    expect(() => evaluate('1 in 2')).toThrow(/right side of in/)
    expect(() => evaluate('10 ** 400')).toThrow(ExpressionError)
  })

  it('never reaches prototypes, functions, getters or host objects', () => {
    let called = false
    const host = {
      fn: () => 'secret',
      date: new Date(0),
      map: new Map([['a', 1]]),
      object: Object.defineProperty({}, 'secret', {
        enumerable: true,
        get() {
          called = true
          return 'leaked'
        },
      }),
      child: Object.create({ inherited: 'from prototype' }) as object,
      process,
    }
    expect(evaluate('fn', host)).toBe(null)
    expect(evaluate('date', host)).toBe(null)
    expect(evaluate('map.size', host)).toBe(null)
    expect(evaluate('object.secret', host)).toBe(null)
    expect(evaluate('object == object', host)).toBe(true)
    expect(evaluate('string(object)', host)).toBe('{"secret":null}')
    expect(called).toBe(false)
    expect(evaluate('child.inherited', host)).toBe(null)
    expect(evaluate('process.env', host)).toBe(null)
    expect(evaluate('triage.output.hasOwnProperty')).toBe(null)
    expect(evaluate('name.length')).toBe(12)
    expect(() => evaluate('triage["__proto__"]')).toThrow(/not accessible/)
    expect(() => evaluate('triage["constr" + "uctor"]')).toThrow(/not accessible/)
    expect(() => evaluate('tags["constructor"]')).toThrow(AgentLoopError)
  })
})
