import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromJsonb, toJsonb } from './postgres-json.js'

/** Whether JSON text holds an escape JSONB refuses: \u0000, or a surrogate escape not in a pair. */
function hasRefusedEscape(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    if (text[index] !== '\\') continue
    index++
    if (text[index] !== 'u') continue
    const unit = Number.parseInt(text.slice(index + 1, index + 5), 16)
    index += 4
    if (unit === 0 || (unit >= 0xdc00 && unit <= 0xdfff)) return true
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next =
        text.slice(index + 1, index + 3) === '\\u'
          ? Number.parseInt(text.slice(index + 3, index + 7), 16)
          : -1
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true
      index += 6
    }
  }
  return false
}

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
    expect(hasRefusedEscape(text)).toBe(true)
    const stored = toJsonb(text)
    expect(hasRefusedEscape(stored)).toBe(false)
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
        expect(hasRefusedEscape(stored)).toBe(false)
        expect(JSON.parse(fromJsonb(stored))).toEqual({ [key]: text })
      }),
      { numRuns: 300 },
    )
  }, 60_000)
})
