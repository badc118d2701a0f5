import { describe, expect, it } from 'vitest'
import { parseJson, toText } from './json.js'

describe('parseJson', () => {
  it('parses valid JSON and reports invalid JSON without throwing', () => {
    expect(parseJson('{"a":1}')).toEqual({ ok: true, value: { a: 1 } })
    const bad = parseJson('{"a":')
    expect(bad.ok).toBe(false)
  })

  it('refuses JSON nested deeper than the limit with a message saying so, without overflowing', () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`
    const parsed = parseJson(deep)
    expect(parsed).toEqual({ ok: false, message: expect.stringMatching(/nested more than 1000 levels/) })
    expect(parseJson(`${'['.repeat(1000)}${']'.repeat(1000)}`).ok).toBe(true)
    // brackets inside strings do not count
    expect(parseJson(JSON.stringify({ text: '['.repeat(5000) })).ok).toBe(true)
    expect(parseJson('{"a":[[1]]}', { maxDepth: 2 }).ok).toBe(false)
  })

  it('drops __proto__ keys so parsed data cannot reach a prototype', () => {
    const parsed = parseJson('{"__proto__":{"polluted":true},"a":1}')
    expect(parsed.ok && Object.keys(parsed.value as object)).toEqual(['a'])
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
  })
})

describe('toText', () => {
  it('keeps strings and serialises everything else', () => {
    expect(toText('hi')).toBe('hi')
    expect(toText({ a: 1 })).toBe('{"a":1}')
    expect(toText(undefined)).toBe('')
    expect(toText(10n)).toBe('"10"')
    const cyclic: { self?: unknown } = {}
    cyclic.self = cyclic
    expect(toText(cyclic)).toBe('[object Object]')
  })
})
