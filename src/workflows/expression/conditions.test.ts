import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../util/json.js'
import { ExpressionError } from '../workflow-errors.js'
import {
  BUILT_IN_EVALUATORS,
  type ConditionEvaluator,
  type ConditionScope,
  compileCondition,
  evaluateCondition,
} from './condition-evaluators.js'
import { compileTemplate, renderTemplate } from './template.js'

const root: JsonObject = {
  email: 'ada@example.com',
  count: 3,
  triage: { output: { labels: [{ urgent: false }, { urgent: true }], text: 'Refund please' } },
}
const scope: ConditionScope = { lookup: (name) => root[name], root: () => root }
const test = (source: string, evaluators = BUILT_IN_EVALUATORS) =>
  evaluateCondition(compileCondition(source, evaluators), scope)

describe('conditions', () => {
  it('evaluate the expression language when there is no prefix', () => {
    expect(test('count > 2')).toBe(true)
    expect(test('count > 2 ? "a" : "b"')).toBe('a')
  })

  it('regex: matches the value at a path, with flags', () => {
    expect(test('regex:email,@example\\.com$')).toBe(true)
    expect(test('regex:triage.output.text,/^refund/i')).toBe(true)
    expect(test('regex:triage.output.text,^refund')).toBe(false)
    expect(test('regex:count,^\\d$')).toBe(true)
    expect(test('regex:missing,x')).toBe(false)
  })

  it('regex: refuses patterns that can backtrack catastrophically, and long texts', () => {
    for (const pattern of [
      '(a+)+$',
      '(a|aa)*b',
      '(\\w*)*x',
      '(a|b){2,}',
      'a*b*c*',
      '(a)\\1',
      '(?=a)a',
      'x'.repeat(101),
    ]) {
      expect(() => compileCondition(`regex:email,${pattern}`, BUILT_IN_EVALUATORS), pattern).toThrow(
        ExpressionError,
      )
    }
    expect(() => compileCondition('regex:email', BUILT_IN_EVALUATORS)).toThrow(/regex:<path>,<pattern>/)
    expect(() => compileCondition('regex:email,[', BUILT_IN_EVALUATORS)).toThrow(
      /not a valid regular expression/,
    )
    const long: ConditionScope = { lookup: () => 'a'.repeat(1001), root: () => ({}) }
    expect(() => evaluateCondition(compileCondition('regex:text,a+$', BUILT_IN_EVALUATORS), long)).toThrow(
      /at most 1000/,
    )
    const started = performance.now()
    const hostile: ConditionScope = { lookup: () => `${'a'.repeat(999)}!`, root: () => ({}) }
    expect(evaluateCondition(compileCondition('regex:text,^a+b+$', BUILT_IN_EVALUATORS), hostile)).toBe(false)
    expect(performance.now() - started).toBeLessThan(100)
  })

  it('jsonpath: is true when the path selects a truthy value', () => {
    expect(test('jsonpath:$.triage.output.labels[*].urgent')).toBe(true)
    expect(test('jsonpath:$.triage.output.labels[0].urgent')).toBe(false)
    expect(test("jsonpath:$['email']")).toBe(true)
    expect(test('jsonpath:$.triage.*.text')).toBe(true)
    expect(test('jsonpath:$.nothing.here')).toBe(false)
    expect(() => compileCondition('jsonpath:$..deep', BUILT_IN_EVALUATORS)).toThrow(
      /unsupported JSONPath syntax/,
    )
    expect(() => compileCondition('jsonpath:$.__proto__', BUILT_IN_EVALUATORS)).toThrow(/not accessible/)
    expect(() => compileCondition('jsonpath:email', BUILT_IN_EVALUATORS)).toThrow(/starts with \$/)
  })

  it('use evaluators registered by prefix, and name an unknown prefix', () => {
    const length: ConditionEvaluator = {
      compile: (text) => Number(text),
      evaluate: (minimum, scope) => String(scope.lookup('email')).length >= (minimum as number),
    }
    const evaluators = new Map([...BUILT_IN_EVALUATORS, ['len:', length]])
    expect(test('len:5', evaluators)).toBe(true)
    expect(() => compileCondition('jmespath:a.b', BUILT_IN_EVALUATORS)).toThrow(
      /No condition evaluator is registered for the prefix "jmespath:"/,
    )
    const throwing: ConditionEvaluator = {
      compile: () => null,
      evaluate: () => {
        throw new TypeError('boom')
      },
    }
    expect(() => test('bad:x', new Map([['bad:', throwing]]))).toThrow(ExpressionError)
  })
})

describe('templates', () => {
  const lookup = (name: string) => root[name]
  const render = (value: Parameters<typeof compileTemplate>[0]) =>
    renderTemplate(compileTemplate(value), lookup)

  it('substitute ${...} parts: a whole-string part keeps its type, text parts become text', () => {
    expect(render('${triage.output}')).toEqual(root.triage && (root.triage as JsonObject).output)
    expect(render('${count}')).toBe(3)
    expect(render('Mail ${email} (${count + 1})')).toBe('Mail ada@example.com (4)')
    expect(render('Labels: ${triage.output.labels[1]}')).toBe('Labels: {"urgent":true}')
    expect(render('none: ${missing}.')).toBe('none: .')
    expect(render({ to: '${email}', list: ['${count}', 'x'], n: 1 })).toEqual({
      to: 'ada@example.com',
      list: [3, 'x'],
      n: 1,
    })
    expect(render('price: $${count}')).toBe('price: ${count}')
    expect(render('${ "}" }')).toBe('}')
  })

  it('reject parts that do not parse or are not closed', () => {
    expect(() => compileTemplate('Hello ${name')).toThrow(/no closing "}"/)
    expect(() => compileTemplate('Hello ${name(}')).toThrow(ExpressionError)
  })
})
