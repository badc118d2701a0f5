import { describe, expect, it } from 'vitest'
import { knownCapabilities } from './known-capabilities.js'

describe('knownCapabilities', () => {
  it('knows the main families, ignoring provider prefixes', () => {
    expect(knownCapabilities('gpt-4o-mini')).toMatchObject({
      vision: true,
      contextWindow: 128_000,
      maxOutputTokens: 16_384,
    })
    expect(knownCapabilities('gpt-5.1-codex-max')).toMatchObject({ reasoning: true, contextWindow: 400_000 })
    expect(knownCapabilities('o3-mini')).toMatchObject({ reasoning: true, contextWindow: 200_000 })
    expect(knownCapabilities('claude-sonnet-4-5')).toMatchObject({
      reasoning: true,
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
    })
    expect(knownCapabilities('claude-3-5-haiku-latest')).toMatchObject({
      reasoning: false,
      maxOutputTokens: 8_192,
    })
    expect(knownCapabilities('meta/llama-3.1-70b-instruct')).toMatchObject({ contextWindow: 128_000 })
    expect(knownCapabilities('deepseek-reasoner')).toMatchObject({ reasoning: true })
  })

  it('gives unknown models tool support and no limits, and lets options override anything', () => {
    expect(knownCapabilities('my-finetune')).toEqual({
      tools: true,
      parallelToolCalls: true,
      structuredOutput: true,
      reasoning: false,
      vision: false,
    })
    expect(knownCapabilities('gpt-4o', { contextWindow: 8_000, vision: false })).toMatchObject({
      contextWindow: 8_000,
      vision: false,
    })
  })
})
