import { describe, expect, it } from 'vitest'
import type { Message } from '../messages/message.js'
import type { Tokenizer } from '../model/tokenizer.js'
import { computeBudget, DEFAULT_CONTEXT_WINDOW } from './budget.js'
import { resolveContextOptions } from './context-options.js'
import { estimateTokens } from './estimate-tokenizer.js'
import {
  IMAGE_TOKENS,
  MESSAGE_OVERHEAD,
  REQUEST_OVERHEAD,
  TOOL_CALL_OVERHEAD,
  TokenCounter,
} from './token-counter.js'

/** One token per character, counting every call. */
function charTokenizer() {
  const seen: string[] = []
  const tokenizer: Tokenizer = {
    name: 'chars',
    exact: true,
    count(text) {
      seen.push(text)
      return text.length
    },
  }
  return { tokenizer, seen }
}

describe('TokenCounter', () => {
  it('counts the system prompt, tool schemas, every message part and per-message overhead', () => {
    const { tokenizer } = charTokenizer()
    const counter = new TokenCounter(tokenizer)
    const messages: Message[] = [
      { role: 'system', content: 'sys' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hello' },
          { type: 'image', url: 'https://x/y.png' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'think' },
          { type: 'text', text: 'ok' },
          { type: 'tool-call', callId: 'c1', name: 'add', arguments: '{"a":1}' },
        ],
      },
      { role: 'tool', callId: 'c1', toolName: 'add', content: '2' },
    ]
    const tools = [{ name: 'add', description: 'Add', parameters: { type: 'object' }, strict: true }]
    const counts = counter.request({ instructions: 'Be brief.', tools, messages })
    expect(counts.instructions).toBe(MESSAGE_OVERHEAD + 'Be brief.'.length)
    expect(counts.tools).toBe(8 + 'add'.length + 'Add'.length + JSON.stringify({ type: 'object' }).length)
    expect(counter.message(messages[0] as Message)).toBe(MESSAGE_OVERHEAD + 3)
    expect(counter.message(messages[1] as Message)).toBe(MESSAGE_OVERHEAD + 5 + IMAGE_TOKENS)
    expect(counter.message(messages[2] as Message)).toBe(
      MESSAGE_OVERHEAD + 5 + 2 + TOOL_CALL_OVERHEAD + 3 + 2 + '{"a":1}'.length,
    )
    expect(counter.message(messages[3] as Message)).toBe(MESSAGE_OVERHEAD + 3 + 2 + 1)
    expect(counts.total).toBe(counts.instructions + counts.tools + counts.messages + REQUEST_OVERHEAD)
  })

  it('does not tokenise unchanged messages again', () => {
    const { tokenizer, seen } = charTokenizer()
    const counter = new TokenCounter(tokenizer)
    const history: Message[] = [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'first answer' },
    ]
    const tools = [{ name: 't', description: 'd', parameters: {}, strict: true }]
    counter.request({ instructions: 'sys', tools, messages: history })
    const firstCalls = seen.length
    history.push({ role: 'user', content: 'second question' })
    counter.request({ instructions: 'sys', tools, messages: history })
    expect(seen.slice(firstCalls)).toEqual(['second question'])
  })

  it('binds the tokenizer, so a class-based tokenizer keeps its this', () => {
    class Words implements Tokenizer {
      readonly name = 'words'
      readonly exact = true
      readonly separator = /\s+/
      count(text: string) {
        return text.split(this.separator).filter(Boolean).length
      }
    }
    expect(new TokenCounter(new Words()).message({ role: 'user', content: 'a b c' })).toBe(
      MESSAGE_OVERHEAD + 3,
    )
  })
})

describe('computeBudget', () => {
  const settings = resolveContextOptions(undefined, 'context')
  const base = { settings, maxOutputTokens: undefined, exact: true, agentName: 'a' }

  it('is the context window minus the reserved output', () => {
    const budget = computeBudget({
      ...base,
      capabilities: { contextWindow: 128_000, maxOutputTokens: 16_384 },
    })
    expect(budget?.budgetTokens).toBe(128_000 - 16_384)
    expect(
      computeBudget({ ...base, maxOutputTokens: 1000, capabilities: { contextWindow: 8000 } })?.budgetTokens,
    ).toBe(7000)
    // Without a declared max output, 4,096 tokens are kept free; a huge max output is capped at 16,384.
    expect(computeBudget({ ...base, capabilities: { contextWindow: 8000 } })?.budgetTokens).toBe(8000 - 4096)
    expect(
      computeBudget({ ...base, capabilities: { contextWindow: 200_000, maxOutputTokens: 64_000 } })
        ?.budgetTokens,
    ).toBe(200_000 - 16_384)
  })

  it('takes the smaller of maxInputTokens and the window, and keeps a margin for estimates', () => {
    const capped = resolveContextOptions({ maxInputTokens: 5000, reserveOutputTokens: 1000 }, 'context')
    expect(
      computeBudget({ ...base, settings: capped, capabilities: { contextWindow: 128_000 } })?.budgetTokens,
    ).toBe(5000)
    expect(
      computeBudget({ ...base, settings: capped, capabilities: { contextWindow: 5500 } })?.budgetTokens,
    ).toBe(4500)
    expect(computeBudget({ ...base, settings: capped, capabilities: undefined })?.budgetTokens).toBe(5000)
    expect(
      computeBudget({ ...base, exact: false, settings: capped, capabilities: undefined })?.budgetTokens,
    ).toBe(4500)
  })

  it('assumes the default window when no limit is known, and refuses a reserve that fills the window', () => {
    expect(computeBudget({ ...base, capabilities: {} })).toMatchObject({
      budgetTokens: DEFAULT_CONTEXT_WINDOW - 4096,
      contextWindow: DEFAULT_CONTEXT_WINDOW,
      assumedContextWindow: true,
    })
    expect(computeBudget({ ...base, capabilities: { contextWindow: 8000 } }).assumedContextWindow).toBe(false)
    expect(() =>
      computeBudget({ ...base, maxOutputTokens: 9000, capabilities: { contextWindow: 8000 } }),
    ).toThrow(/reserved output tokens \(9000\) leave nothing/)
  })

  it('rejects bad context options naming the field', () => {
    expect(() => resolveContextOptions({ maxInputTokens: -1 }, 'Agent "a": context')).toThrow(
      'Agent "a": context.maxInputTokens must be a whole number of tokens above 0; got -1.',
    )
    expect(() => resolveContextOptions({ estimateMargin: 2 }, 'context')).toThrow(/estimateMargin/)
    expect(() => resolveContextOptions({ strategies: [42 as never] }, 'context')).toThrow(/strategies\[0\]/)
    expect(() => resolveContextOptions({ tokenizer: 'exact' as never }, 'context')).toThrow(/tokenizer/)
  })
})

describe('estimateTokens', () => {
  it('counts words, numbers, punctuation, whitespace and other scripts', () => {
    expect(estimateTokens('')).toBe(0)
    expect(estimateTokens('hello world')).toBe(2)
    expect(estimateTokens('1234567')).toBe(5)
    expect(estimateTokens('你好世界')).toBe(4)
    expect(estimateTokens('🚀🚀')).toBe(4)
    expect(estimateTokens('a'.repeat(1000))).toBeGreaterThan(300)
  })
})
