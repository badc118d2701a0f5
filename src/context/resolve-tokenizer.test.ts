import { describe, expect, it, vi } from 'vitest'
import type { Model } from '../model/model.js'
import { resolveContextOptions } from './context-options.js'
import { estimateTokenizer } from './estimate-tokenizer.js'
import { openaiTokenizer } from './openai-tokenizer.js'
import { resolveTokenizer } from './resolve-tokenizer.js'

// As if the optional package were not installed.
vi.mock('gpt-tokenizer/encoding/o200k_base', () => {
  throw new Error("Cannot find package 'gpt-tokenizer'")
})

const model = (modelId: string, extra: Partial<Model> = {}) => ({ provider: 'p', modelId, ...extra }) as Model
const auto = resolveContextOptions(undefined, 'context')

describe('resolveTokenizer without gpt-tokenizer installed', () => {
  it("falls back to the estimate for OpenAI models under 'auto'", async () => {
    const tokenizer = resolveTokenizer(model('gpt-4o'), auto)
    await tokenizer.load?.()
    expect(tokenizer.name).toBe('estimate')
    expect(tokenizer.exact).toBe(false)
    expect(tokenizer.count('hello world')).toBe(2)
  })

  it('fails with a clear error when exact counting is asked for explicitly', async () => {
    await expect(openaiTokenizer('gpt-4o').load?.()).rejects.toThrow(
      /needs the optional package gpt-tokenizer: run `npm install gpt-tokenizer`/,
    )
  })

  it("prefers the model's own tokenizer, and the agent's choice over both", () => {
    const own = { name: 'own', exact: true, count: () => 1 }
    expect(resolveTokenizer(model('gpt-4o', { tokenizer: own }), auto)).toBe(own)
    expect(resolveTokenizer(model('llama3.1'), auto)).toBe(estimateTokenizer)
    expect(
      resolveTokenizer(
        model('gpt-4o', { tokenizer: own }),
        resolveContextOptions({ tokenizer: 'estimate' }, 'c'),
      ),
    ).toBe(estimateTokenizer)
  })
})
