import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { estimateTokens } from './estimate-tokenizer.js'
import { openaiTokenizer } from './openai-tokenizer.js'

const corpusDir = new URL('../../test/__fixtures__/tokenizer/', import.meta.url)
const corpus = {
  prose: readFileSync(new URL('prose.md', corpusDir), 'utf8'),
  code: readFileSync(new URL('code.ts.txt', corpusDir), 'utf8'),
  json: readFileSync(new URL('data.json', corpusDir), 'utf8'),
  nonLatin: readFileSync(new URL('non-latin.txt', corpusDir), 'utf8'),
}

/** The estimate's error against an exact encoding, per kind of text, in percent. */
async function errors(encoding: 'o200k_base' | 'cl100k_base') {
  const exact = openaiTokenizer(encoding)
  await exact.load?.()
  const result: Record<string, number> = {}
  for (const [kind, text] of Object.entries(corpus)) {
    result[kind] = ((estimateTokens(text) - exact.count(text)) / exact.count(text)) * 100
  }
  return result
}

describe('the token estimate against OpenAI encodings (mixed corpus)', () => {
  it('is within -2% to +12% on English prose, code and JSON', async () => {
    for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
      const error = await errors(encoding)
      for (const kind of ['prose', 'code', 'json']) {
        expect(error[kind], `${kind} on ${encoding}`).toBeGreaterThanOrEqual(-2)
        expect(error[kind], `${kind} on ${encoding}`).toBeLessThanOrEqual(12)
      }
    }
  })

  it('is coarser on non-Latin scripts: high for o200k, at most 20% low for cl100k', async () => {
    const o200k = await errors('o200k_base')
    const cl100k = await errors('cl100k_base')
    expect(o200k.nonLatin).toBeGreaterThan(0)
    expect(o200k.nonLatin).toBeLessThan(80)
    expect(cl100k.nonLatin).toBeGreaterThan(-20)
  })
})

describe('openaiTokenizer', () => {
  it('counts exactly after load, treating special-token text as plain text', async () => {
    const tokenizer = openaiTokenizer('gpt-4o')
    expect(tokenizer.name).toBe('openai:o200k_base')
    expect(tokenizer.exact).toBe(true)
    expect(() => tokenizer.count('hi')).toThrow(/await load\(\)/)
    await tokenizer.load?.()
    expect(tokenizer.count('hello world')).toBe(2)
    expect(tokenizer.count('a <|endoftext|> b')).toBeGreaterThan(3)
    expect(openaiTokenizer('gpt-4').name).toBe('openai:cl100k_base')
    expect(() => openaiTokenizer('llama3.1')).toThrow(/no known OpenAI encoding for "llama3.1"/)
  })
})
