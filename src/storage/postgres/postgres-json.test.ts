import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromJsonb, toJsonb } from './postgres-json.js'

// an escape JSONB refuses: \u0000 or a surrogate escape not followed by its pair (after an even number of backslashes)
const REFUSED = /(?<!\\)(\\\\)*\\u(0000|d[89ab][0-9a-f]{2}(?!\\ud[c-f])|d[c-f])/i

describe('JSONB escaping', () => {
  it('removes what JSONB refuses (NUL, lone surrogates) and gives back exactly what was written', () => {
    const value = {
      nul: 'a\u0000b',
      lone: 'x\udc00y\ud800',
      pair: '😀',
      mark: 'keep \uFDD0 this',
      backslash: '\\u0000 is text here, and \\\\u0000 too',
      'key\u0000': ['\ud83d', 'ok'],
    }
    const text = JSON.stringify(value)
    const stored = toJsonb(text)
    expect(stored).not.toMatch(REFUSED)
    expect(JSON.parse(fromJsonb(stored))).toEqual(value)
  })

  it('leaves ordinary text as it is', () => {
    const text = JSON.stringify({ a: 'plain text, émoji 😀, control \u0001', b: [1, 2] })
    expect(toJsonb(text)).toBe(text)
  })

  it('round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (key, text) => {
        const json = JSON.stringify({ [key]: text })
        const stored = toJsonb(json)
        expect(stored).not.toMatch(REFUSED)
        expect(JSON.parse(fromJsonb(stored))).toEqual({ [key]: text })
      }),
      { numRuns: 2000 },
    )
  })
})
