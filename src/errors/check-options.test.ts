import { describe, expect, it } from 'vitest'
import { checkOptionKeys, closestKey, describeValue } from './check-options.js'
import { ConfigError } from './errors.js'

describe('checkOptionKeys', () => {
  it('rejects an unknown key with the closest known one and the full list', () => {
    const call = () => checkOptionKeys({ instruction: 'x' }, ['name', 'instructions', 'tools'], 'Agent "a"')
    expect(call).toThrow(ConfigError)
    expect(call).toThrow(
      'Agent "a": unknown option "instruction". Did you mean "instructions"? Known options: name, instructions, tools.',
    )
  })

  it('suggests nothing for an unrelated key, uses aliases, and ignores undefined values', () => {
    expect(() => checkOptionKeys({ banana: 1 }, ['name', 'tools'], 'x')).toThrow(
      'x: unknown option "banana". Known options: name, tools.',
    )
    expect(() =>
      checkOptionKeys({ max_tokens: 1 }, ['maxOutputTokens'], 'x', { max_tokens: 'maxOutputTokens' }),
    ).toThrow('Did you mean "maxOutputTokens"?')
    expect(() => checkOptionKeys({ name: 'a', extra: undefined }, ['name'], 'x')).not.toThrow()
  })
})

describe('closestKey and describeValue', () => {
  it('finds misspellings and prefixes', () => {
    expect(closestKey('contxt', ['context', 'signal'])).toBe('context')
    expect(closestKey('timeout', ['timeoutMs', 'maxTurns'])).toBe('timeoutMs')
    expect(closestKey('store', ['storage', 'agents'])).toBe('storage')
    expect(closestKey('tool', ['tools', 'toolChoice'])).toBe('tools')
    expect(closestKey('zzz', ['storage'])).toBeUndefined()
  })

  it('names the type and the value', () => {
    expect(describeValue('5')).toBe('the string "5"')
    expect(describeValue(5)).toBe('the number 5')
    expect(describeValue(null)).toBe('null')
    expect(describeValue({})).toBe('an object')
    expect(describeValue(new Map())).toBe('a Map object')
    expect(describeValue([1, 2])).toBe('an array of 2')
  })
})
