import { describe, expect, it } from 'vitest'
import type { Message } from '../../messages/message.js'
import type { Model } from '../../model/model.js'
import { completeRequest, type ModelRequest } from '../../model/model-request.js'
import type { CompactionInput } from '../compaction-strategy.js'
import { estimateTokenizer } from '../estimate-tokenizer.js'
import { findBrokenToolPair } from '../message-groups.js'
import { TokenCounter } from '../token-counter.js'
import { dropOldestTurns } from './drop-oldest-turns.js'
import { shrinkToolResults } from './shrink-tool-results.js'
import { SUMMARY_PREFIX, summarizeOldestTurns } from './summarize-oldest-turns.js'

const counter = new TokenCounter(estimateTokenizer)

function summaryModel(
  answer: (request: ModelRequest) => string | Error,
): Model & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = []
  return {
    specificationVersion: 'agentloop.model.v1',
    provider: 'test',
    modelId: 'summariser',
    requests,
    async generate(callRequest) {
      const request = completeRequest(callRequest)
      requests.push(request)
      const text = answer(request)
      if (text instanceof Error) throw text
      return {
        content: [{ type: 'text', text }],
        finishReason: 'stop',
        usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
      }
    },
    stream() {
      throw new Error('not used')
    },
  }
}

function input(
  messages: Message[],
  messageBudget: number,
  memo = new Map<string, unknown>(),
  model?: Model,
): CompactionInput {
  return {
    messages,
    messageBudget,
    messageTokens: counter.messages(messages),
    count: (message) => counter.message(message),
    model: model ?? summaryModel(() => 'unused'),
    turn: 1,
    signal: new AbortController().signal,
    memo,
    generate: (called, request) => called.generate(request, {}),
  }
}

/** user, then `pairs` exchanges of an assistant tool call and its result, then a final user message. */
function conversation(pairs: number, resultText = (i: number) => `result ${i} `.repeat(20)): Message[] {
  const messages: Message[] = [
    { role: 'system', content: 'Be useful.' },
    { role: 'user', content: 'The task.' },
  ]
  for (let i = 0; i < pairs; i++) {
    messages.push({
      role: 'assistant',
      content: [
        { type: 'text', text: `Step ${i}` },
        { type: 'tool-call', callId: `c${i}`, name: 'lookup', arguments: `{"i":${i}}` },
      ],
    })
    messages.push({ role: 'tool', callId: `c${i}`, toolName: 'lookup', content: resultText(i) })
  }
  messages.push({ role: 'user', content: 'And now?' })
  return messages
}

describe('shrinkToolResults', () => {
  it('keeps the head and tail of an oversized result with a marker saying how much was cut', async () => {
    const big = `HEAD ${'lorem ipsum dolor sit amet '.repeat(2000)} TAIL`
    const messages = conversation(1, () => big)
    const outcome = await shrinkToolResults({ maxTokens: 300 }).compact(input(messages, 10_000))
    expect(outcome).toBeDefined()
    if (outcome === undefined || Array.isArray(outcome)) return
    const tool = outcome.messages.find((message) => message.role === 'tool')
    expect(tool?.role === 'tool' && tool.content.startsWith('HEAD ')).toBe(true)
    expect(tool?.role === 'tool' && tool.content.endsWith(' TAIL')).toBe(true)
    expect(tool?.role === 'tool' && tool.content).toMatch(
      /\[\.\.\. [\d,]+ of [\d,]+ tokens cut from the middle/,
    )
    expect(counter.message(tool as Message)).toBeLessThanOrEqual(300)
    expect(outcome.shrunkToolResults).toBe(1)
    // The original message is untouched.
    expect(messages[3]?.role === 'tool' && messages[3].content).toBe(big)
  })

  it('uses per-tool limits over the global one, and leaves small results alone', async () => {
    const messages: Message[] = [
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: [
          { type: 'tool-call', callId: 'a', name: 'search', arguments: '{}' },
          { type: 'tool-call', callId: 'b', name: 'read', arguments: '{}' },
        ],
      },
      { role: 'tool', callId: 'a', toolName: 'search', content: 'word '.repeat(1000) },
      { role: 'tool', callId: 'b', toolName: 'read', content: 'word '.repeat(1000) },
    ]
    const outcome = await shrinkToolResults({ maxTokens: 5000, perTool: { search: 200 } }).compact(
      input(messages, 100),
    )
    if (outcome === undefined || Array.isArray(outcome)) throw new Error('expected an outcome')
    expect(counter.message(outcome.messages[2] as Message)).toBeLessThanOrEqual(200)
    expect(outcome.messages[3]).toBe(messages[3])
    expect(() => shrinkToolResults({ maxTokens: 0 })).toThrow(/maxTokens must be a positive whole number/)
  })
})

describe('dropOldestTurns', () => {
  it('drops whole groups from the oldest, keeping the system message, the first user message and recent groups', async () => {
    const messages = conversation(30)
    const budget = Math.floor(counter.messages(messages) / 3)
    const outcome = await dropOldestTurns().compact(input(messages, budget))
    if (outcome === undefined || Array.isArray(outcome)) throw new Error('expected an outcome')
    const kept = outcome.messages
    expect(counter.messages(kept)).toBeLessThanOrEqual(budget)
    expect(kept[0]).toBe(messages[0])
    expect(kept[1]).toBe(messages[1])
    expect(kept[2]).toEqual({
      role: 'user',
      content: expect.stringMatching(/removed to fit the context window/),
    })
    expect(kept.slice(-3)).toEqual(messages.slice(-3))
    expect(findBrokenToolPair(messages, kept)).toBeUndefined()
    expect(outcome.removedMessages).toBe(messages.length - kept.length + 1)
  })

  it('can drop the first user message and leave no note', async () => {
    const messages = conversation(10)
    const outcome = await dropOldestTurns({
      keepFirstUserMessage: false,
      note: false,
      keepRecent: 1,
    }).compact(input(messages, 60))
    if (outcome === undefined || Array.isArray(outcome)) throw new Error('expected an outcome')
    expect(outcome.messages.map((message) => message.role)).toEqual(['system', 'user'])
  })

  it('does nothing when under budget, and says so when nothing may be dropped', async () => {
    const messages = conversation(1)
    expect(await dropOldestTurns().compact(input(messages, 1_000_000))).toBeUndefined()
    const outcome = await dropOldestTurns().compact(input(messages, 1))
    expect(outcome !== undefined && !Array.isArray(outcome) && outcome.note).toBe(
      'nothing left that may be dropped',
    )
    expect(() => dropOldestTurns({ keepRecent: -1 })).toThrow(/keepRecent/)
  })
})

describe('summarizeOldestTurns', () => {
  it('replaces the oldest groups with one summary message written by the model', async () => {
    const model = summaryModel(() => 'The user asked for lookups 0 to 20; all returned results.')
    const messages = conversation(30)
    const budget = Math.floor(counter.messages(messages) / 2)
    const outcome = await summarizeOldestTurns({ model, maxSummaryTokens: 100 }).compact(
      input(messages, budget),
    )
    if (outcome === undefined || Array.isArray(outcome)) throw new Error('expected an outcome')
    const summary = outcome.messages[2]
    expect(summary).toEqual({
      role: 'user',
      content: `${SUMMARY_PREFIX}\nThe user asked for lookups 0 to 20; all returned results.`,
    })
    expect(counter.messages(outcome.messages)).toBeLessThanOrEqual(budget)
    expect(findBrokenToolPair(messages, outcome.messages)).toBeUndefined()
    expect(outcome.usage?.totalTokens).toBe(120)
    const request = model.requests[0]
    expect(request?.maxOutputTokens).toBe(100)
    expect(request?.tools).toEqual([])
    const transcript = request?.messages[0]?.content as string
    expect(transcript).toContain('Assistant called tool lookup with {"i":0}')
    expect(transcript).toContain('Tool lookup returned: result 0')
  })

  it('extends the previous summary on a later turn instead of summarising everything again', async () => {
    const model = summaryModel((request) => `summary ${request.messages[0]?.content.length}`)
    const strategy = summarizeOldestTurns({ model, maxSummaryTokens: 50 })
    const memo = new Map<string, unknown>()
    const messages = conversation(30)
    const budget = Math.floor(counter.messages(messages) / 2)
    await strategy.compact(input(messages, budget, memo))
    // Same history: the summary is reused without a model call.
    await strategy.compact(input(messages, budget, memo))
    expect(model.requests).toHaveLength(1)
    // More history: only the newly removed messages go to the model, after the previous summary.
    const longer = [...messages.slice(0, -1), ...conversation(10).slice(2)]
    await strategy.compact(input(longer, budget, memo))
    expect(model.requests).toHaveLength(2)
    const second = model.requests[1]?.messages[0]?.content as string
    expect(second).toMatch(/^Here is the summary of the conversation so far:\n\nsummary \d+/)
    expect(second).not.toContain('{"i":0}')
  })

  it('changes nothing when the summary model fails, so the next strategy runs', async () => {
    const model = summaryModel(() => new Error('503 overloaded'))
    const messages = conversation(30)
    const outcome = await summarizeOldestTurns({ model }).compact(input(messages, 500))
    if (outcome === undefined || Array.isArray(outcome)) throw new Error('expected an outcome')
    expect(outcome.messages).toEqual(messages)
    expect(outcome.note).toBe('the summary model failed: 503 overloaded')
  })
})
