import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Message } from '../messages/message.js'
import type { Model } from '../model/model.js'
import { resolveContextOptions } from './context-options.js'
import { estimateTokenizer } from './estimate-tokenizer.js'
import { findBrokenToolPair } from './message-groups.js'
import { planCompaction } from './plan-compaction.js'
import { TokenCounter } from './token-counter.js'

const counter = new TokenCounter(estimateTokenizer)
const model = { provider: 'test', modelId: 'none' } as Model
const defaults = resolveContextOptions(undefined, 'context').strategies

const text = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: max }),
    fc.integer({ min: 0, max: Math.floor(max / 6) }).map((n) => 'word '.repeat(n)),
    fc.string({ unit: 'grapheme', maxLength: Math.floor(max / 4) }),
  )
const hugeText = fc.oneof(
  text(2000),
  fc.integer({ min: 1000, max: 12_000 }).map((n) => `{"row":${n},"text":"lorem ipsum"},`.repeat(n / 10)),
  fc.integer({ min: 10_000, max: 80_000 }).map((n) => 'x'.repeat(n)),
)

type Group = Message[]
const userGroup = text(400).map((content): Group => [{ role: 'user', content }])
const assistantGroup = text(1500).map((content): Group => [{ role: 'assistant', content }])
let callCounter = 0
const exchangeGroup = fc
  .record({ note: text(300), results: fc.array(hugeText, { minLength: 1, maxLength: 3 }) })
  .map(({ note, results }): Group => {
    const ids = results.map(() => `call_${++callCounter}`)
    return [
      {
        role: 'assistant',
        content: [
          { type: 'text', text: note },
          ...ids.map((callId) => ({
            type: 'tool-call' as const,
            callId,
            name: 'fetch',
            arguments: '{"q":"x"}',
          })),
        ],
      },
      ...results.map(
        (content, i): Message => ({ role: 'tool', callId: ids[i] as string, toolName: 'fetch', content }),
      ),
    ]
  })

const history = fc
  .record({
    system: fc.boolean(),
    first: userGroup,
    rest: fc.array(fc.oneof(userGroup, assistantGroup, exchangeGroup, exchangeGroup), { maxLength: 60 }),
  })
  .map(({ system, first, rest }) => [
    ...(system ? [{ role: 'system', content: 'You are a careful assistant.' } as Message] : []),
    ...first,
    ...rest.flat(),
  ])

describe('compaction with the default strategies (property-based)', () => {
  it('always fits the budget, never orphans a tool result, keeps the system prompt and the first user message', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.integer({ min: 3000, max: 40_000 }), async (messages, budgetTokens) => {
        const fixedTokens = 250
        const plan = await planCompaction({
          messages,
          fixedTokens,
          budgetTokens,
          counter,
          strategies: defaults,
          model,
          turn: 1,
          signal: new AbortController().signal,
          memo: new Map(),
        })
        const after = plan.messages
        expect(plan.tokensAfter).toBe(fixedTokens + counter.messages(after))
        expect(plan.tokensAfter).toBeLessThanOrEqual(budgetTokens)
        expect(findBrokenToolPair(messages, after)).toBeUndefined()
        for (const message of messages) if (message.role === 'system') expect(after).toContain(message)
        expect(after).toContain(messages.find((message) => message.role === 'user'))
        // The history itself is never changed.
        expect(
          messages.every((message) => message.role !== 'tool' || !message.content.includes('tokens cut')),
        ).toBe(true)
      }),
      { numRuns: 150 },
    )
  })
})
