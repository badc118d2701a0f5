import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ContextBudgetError } from '../errors/errors.js'
import { messageText } from '../messages/message.js'
import { scriptedModel } from '../testing/scripted-model.js'
import type { FunctionEvent } from './function-event.js'
import { llmFunction } from './llm-function.js'

// LLM function calls go through the same context budget as agent runs: counted before sending,
// compacted when over, and ContextBudgetError before anything is sent when still over.
const longSummary = JSON.stringify({ summary: 'word '.repeat(600).trim() })
const shortSummary = JSON.stringify({ summary: 'A short summary.' })

const summarize = (model: ReturnType<typeof scriptedModel>, maxInputTokens: number) =>
  llmFunction({
    name: 'summarize',
    instructions: 'Summarize the text in at most 100 characters.',
    input: z.object({ text: z.string() }),
    output: z.object({ summary: z.string() }),
    checks: [
      (output) => (output.summary.length > 100 ? 'the summary is longer than 100 characters' : undefined),
    ],
    maxRetries: 3,
    model,
    context: { maxInputTokens, tokenizer: 'estimate' },
  })

describe('the context budget of LLM functions', () => {
  it('throws ContextBudgetError before sending a call that cannot fit', async () => {
    const model = scriptedModel([{ text: shortSummary }])
    const error = await summarize(
      model,
      300,
    )({ text: 'long text '.repeat(2000) }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ContextBudgetError)
    expect((error as ContextBudgetError).budgetTokens).toBe(270)
    expect((error as Error).message).toMatch(/so nothing was sent/)
    expect(model.requests).toHaveLength(0)
  })

  it('compacts the rejected attempts of a long retry chain, keeping the task', async () => {
    const model = scriptedModel([{ text: longSummary }, { text: longSummary }, { text: shortSummary }])
    const events: FunctionEvent[] = []
    const result = await summarize(model, 1400).run(
      { text: 'The meeting moved to Tuesday.' },
      { onEvent: (event) => void events.push(event) },
    )
    expect(result.output).toEqual({ summary: 'A short summary.' })
    const answersSent = model.requests.map(
      (request) => request.messages.filter((message) => message.role === 'assistant').length,
    )
    // Attempt 3 would resend both rejected answers (1,300 tokens > the 1,260 budget): the oldest
    // was dropped (a note says so), the latest answer and its feedback were kept.
    expect(answersSent).toEqual([0, 1, 1])
    const third = model.requests[2]?.messages ?? []
    expect(third.map((message) => messageText(message)).join('\n')).toMatch(/were removed to fit/)
    expect(messageText(third[0] ?? { role: 'user', content: '' })).toContain('The meeting moved to Tuesday.')
    const compactions = events.filter((event) => event.type === 'context.compact')
    expect(compactions).toHaveLength(1)
    expect(compactions[0]).toMatchObject({ type: 'context.compact', turn: 3, messagesBefore: 5 })
  })
})
