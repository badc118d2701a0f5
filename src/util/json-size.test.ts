import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { flatJsonSize, jsonSizeOnce } from './json-size.js'

describe('flatJsonSize', () => {
  it('is what JSON.stringify emits, for flat objects and any other', () => {
    const field = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.constantFrom(0, -0, 9, 10, 99, 100, -1, -10, 1e21, 2 ** 53, -(2 ** 53), 1796226227481),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.jsonValue(),
    )
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), field), (value) => {
        expect(flatJsonSize(value)).toBe(JSON.stringify(value).length)
      }),
      { numRuns: 2_000 },
    )
  })

  it('counts the digits of every length of integer', () => {
    for (let power = 1; power <= 1e16; power *= 10) {
      for (const value of [power - 1, power, power + 1, -power, 1 - power, Number.MAX_SAFE_INTEGER]) {
        const object = { value, time: value * 7 }
        expect(flatJsonSize(object), String(value)).toBe(JSON.stringify(object).length)
      }
    }
  })

  it('counts an event without escapes, and one with them', () => {
    const event = {
      type: 'node.end',
      nodeId: 'n12',
      nodeType: 'handler',
      status: 'completed',
      durationMs: 0,
      attempts: 1,
      runId: '6a884d5b-7b09-4806-be05-773f515f35d7',
      seq: 14,
      time: 1796226227499,
    }
    expect(flatJsonSize(event)).toBe(JSON.stringify(event).length)
    const escaped = { ...event, nodeId: 'say "hi"\n\u0001\ud800', '"key\\': 'x' }
    expect(flatJsonSize(escaped)).toBe(JSON.stringify(escaped).length)
    expect(flatJsonSize({})).toBe(2)
    expect(flatJsonSize({ skipped: undefined, fn: () => 1 })).toBe(2)
    expect(flatJsonSize(Object.assign(Object.create(null), { a: 1 }))).toBe(7)
    const dated = { at: new Date(0) }
    expect(flatJsonSize(dated)).toBe(JSON.stringify(dated).length)
  })
})

describe('jsonSizeOnce', () => {
  it('measures a value once', () => {
    const value = { text: 'abc' }
    expect(jsonSizeOnce(value)).toBe(14)
    value.text = 'abcdef'
    expect(jsonSizeOnce(value)).toBe(14)
    expect(jsonSizeOnce('x')).toBe(3)
  })
})
