import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../errors/errors.js'
import { copyJson } from './shared.js'

describe('copyJson', () => {
  it('returns a deep copy of JSON, undefined fields dropped', () => {
    const value = { a: [1, 'two', { b: null, c: true }], d: undefined, e: { f: 1.5 } }
    const copy = copyJson(value, 'state')
    expect(copy).toEqual({ a: [1, 'two', { b: null, c: true }], e: { f: 1.5 } })
    expect(copy).not.toBe(value)
    expect(copy.a[2]).not.toBe(value.a[2])
    expect(Object.hasOwn(copy, 'd')).toBe(false)
  })

  it('refuses what is not JSON with the field named, as requireJson does', () => {
    expect(() => copyJson({ when: new Date(0) }, 'ctx.checkpoint(state): state')).toThrow(
      /ctx\.checkpoint\(state\): state\.when is a Date object, not plain JSON/,
    )
    expect(() => copyJson({ n: Number.NaN }, 'state')).toThrow(ConfigError)
    expect(() => copyJson([1, undefined], 'state')).toThrow(/state\[1\]/)
    let deep: unknown = 1
    for (let level = 0; level < 300; level++) deep = [deep]
    expect(() => copyJson(deep, 'state')).toThrow(/nested too deeply/)
  })
})
