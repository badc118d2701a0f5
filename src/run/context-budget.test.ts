import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { estimateTokenizer } from '../context/estimate-tokenizer.js'
import { findBrokenToolPair } from '../context/message-groups.js'
import { summarizeOldestTurns } from '../context/strategies/summarize-oldest-turns.js'
import { counterFor } from '../context/token-counter.js'
import { ContextBudgetError, ModelError } from '../errors/errors.js'
import type { Message } from '../messages/message.js'
import type { ModelRequest } from '../model/model-request.js'
import type { Tokenizer } from '../model/tokenizer.js'
import { collectEvents, eventsOfType } from '../testing/collect-events.js'
import { type ScriptedTurnSpec, scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { run, stream } from './run.js'
import { Runtime } from './runtime.js'

const usage = { inputTokens: 1, outputTokens: 1 }
const fetchPage = tool({
  name: 'fetch_page',
  description: 'Fetch page n of a document',
  parameters: z.object({ n: z.number() }),
  execute: ({ n }) => `page ${n}: ${'lorem ipsum dolor sit amet '.repeat((n * 37) % 400)}`,
})
const fetchShortPage = tool({
  name: 'fetch_page',
  description: 'Fetch page n of a document',
  parameters: z.object({ n: z.number() }),
  execute: ({ n }) => `page ${n}: ${'lorem ipsum dolor sit amet '.repeat(40)}`,
})
const counter = counterFor(estimateTokenizer)
const requestTokens = (request: ModelRequest) => counter.request(request).total

/** A model that asks for `turns` tool calls, one per turn, then answers. */
function longScript(turns: number, window: { contextWindow: number; maxOutputTokens: number }) {
  const script: ScriptedTurnSpec[] = []
  for (let n = 1; n <= turns; n++) {
    script.push({ text: `Reading page ${n}.`, toolCalls: [{ name: 'fetch_page', arguments: { n } }], usage })
  }
  script.push({ text: 'Done reading.', usage })
  return scriptedModel(script, { modelId: 'small-window', capabilities: { tools: true, ...window } })
}

describe('the context budget in a run', () => {
  it('runs a 500-turn conversation through a small context window without error', async () => {
    const model = longScript(500, { contextWindow: 8000, maxOutputTokens: 1000 })
    const agent = new Agent({
      name: 'reader',
      instructions: 'Read every page.',
      model,
      tools: [fetchPage],
      maxTurns: 501,
      context: { tokenizer: 'estimate' },
    })
    const events = stream(agent, 'Read the document.')
    const all = await collectEvents(events)
    const result = await events.result
    expect(result.status).toBe('completed')
    // The budget: window 8000 - 1000 reserved, less the 10% estimate margin.
    const budget = Math.floor(7000 * 0.9)
    expect(model.requests).toHaveLength(501)
    for (const [index, request] of model.requests.entries()) {
      expect(requestTokens(request)).toBeLessThanOrEqual(budget)
      expect(request.instructions).toBe('Read every page.')
      expect(request.messages[0]).toEqual({ role: 'user', content: 'Read the document.' })
      expect(findBrokenToolPair(request.messages, request.messages)).toBeUndefined()
      const last = request.messages[request.messages.length - 1]
      expect(last?.role).toBe(index === 0 ? 'user' : 'tool')
    }
    // Compaction changed what was sent, not what was kept.
    expect(result.messages).toHaveLength(1 + 500 * 2 + 1)
    expect(result.messages.filter((message) => message.role === 'tool')).toHaveLength(500)
    const compactions = eventsOfType(all, 'context.compact')
    expect(compactions.length).toBeGreaterThan(400)
    for (const event of compactions) {
      expect(event.tokensAfter).toBeLessThanOrEqual(event.budgetTokens)
      expect(event.tokensBefore).toBeGreaterThan(event.budgetTokens)
      expect(event.budgetTokens).toBe(budget)
      expect(event.tokenizer).toBe('estimate')
      expect(event.steps.map((step) => step.strategy)).toContain('drop-oldest-turns')
    }
  })

  it('fails with ContextBudgetError before any request is sent when the instructions alone are too big', async () => {
    const model = scriptedModel([{ text: 'never' }], {
      capabilities: { contextWindow: 2000, maxOutputTokens: 500 },
    })
    const agent = new Agent({ name: 'big', instructions: 'Rule. '.repeat(2000), model })
    const events = stream(agent, 'hi')
    const all = await collectEvents(events)
    const error = await events.result.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ContextBudgetError)
    const budgetError = error as ContextBudgetError
    expect(budgetError.budgetTokens).toBe(Math.floor(1500 * 0.9))
    expect(budgetError.inputTokens).toBeGreaterThan(budgetError.budgetTokens)
    expect(budgetError.contextWindow).toBe(2000)
    expect(budgetError.message).toMatch(/The system prompt and tool definitions alone take \d+ tokens/)
    expect(budgetError.message).toMatch(/Raise context.maxInputTokens/)
    expect(model.requests).toHaveLength(0)
    expect(all.at(-1)).toMatchObject({
      type: 'run.end',
      status: 'failed',
      error: { name: 'ContextBudgetError' },
    })
  })

  it('turns compaction off with strategies: [] (over budget then fails)', async () => {
    const model = scriptedModel([{ text: 'never' }])
    const agent = new Agent({ name: 'strict', model, context: { maxInputTokens: 50, strategies: [] } })
    await expect(run(agent, 'word '.repeat(200))).rejects.toThrow(ContextBudgetError)
    expect(model.requests).toHaveLength(0)
  })

  it('applies the default budget, said once, when the model declares no context window and no maxInputTokens is set', async () => {
    const echo = tool({ name: 'echo', description: 'Echo', parameters: [], execute: () => 'echoed' })
    const model = scriptedModel(
      [
        { toolCalls: [{ name: 'echo', arguments: {} }], usage },
        { text: 'ok', usage },
      ],
      {
        capabilities: {},
      },
    )
    const agent = new Agent({ name: 'free', model, tools: [echo] })
    const events = stream(agent, 'hi')
    const budgetEvents = eventsOfType(await collectEvents(events), 'context.budget')
    expect((await events.result).output).toBe('ok')
    // 32,768-token default window, 4,096 reserved, 10% estimate margin; one event for two model calls.
    expect(budgetEvents).toEqual([
      expect.objectContaining({
        source: 'default',
        contextWindow: 32_768,
        reserveOutputTokens: 4096,
        budgetTokens: Math.floor((32_768 - 4096) * 0.9),
        turn: 1,
      }),
    ])
    expect(budgetEvents[0]?.message).toMatch(
      /declares no context window and agent "free" sets no context.maxInputTokens.*Set context.maxInputTokens/,
    )

    // Never unbounded: an input over the default budget fails before anything is sent.
    const unsent = scriptedModel([{ text: 'never' }], { capabilities: {} })
    const error = await run(new Agent({ name: 'free', model: unsent }), 'word '.repeat(50_000)).catch(
      (e) => e,
    )
    expect(error).toBeInstanceOf(ContextBudgetError)
    expect(error.message).toMatch(/the default budget for a model that declares no context window/)
    expect(unsent.requests).toEqual([])

    // With maxInputTokens set there is nothing to announce.
    const configured = new Agent({
      name: 'set',
      model: scriptedModel([{ text: 'ok' }], { capabilities: {} }),
      context: { maxInputTokens: 50_000 },
    })
    const configuredEvents = await collectEvents(stream(configured, 'hi'))
    expect(eventsOfType(configuredEvents, 'context.budget')).toEqual([])
  })

  it('lets beforeCompact hooks veto or replace the plan, and afterCompact hooks see the result', async () => {
    const history: Message[] = []
    for (let i = 0; i < 40; i++) {
      history.push({ role: 'user', content: `question ${i} ${'detail '.repeat(30)}` })
      history.push({ role: 'assistant', content: `answer ${i}` })
    }
    history.push({ role: 'user', content: 'last question' })
    const context = { maxInputTokens: 1000 }

    const vetoModel = scriptedModel([{ text: 'never' }])
    const veto = new Agent({
      name: 'veto',
      model: vetoModel,
      context,
      hooks: { beforeCompact: () => ({ veto: 'this conversation must be sent whole' }) },
    })
    await expect(run(veto, history)).rejects.toThrow(
      /A beforeCompact hook vetoed compaction: this conversation must be sent whole/,
    )
    expect(vetoModel.requests).toHaveLength(0)

    const seen: { planned: number; sent: number; tokens: number }[] = []
    const replaceModel = scriptedModel([{ text: 'ok', usage }])
    const replacement: Message[] = [{ role: 'user', content: 'just the last question' }]
    const replace = new Agent({
      name: 'replace',
      model: replaceModel,
      context,
      hooks: {
        beforeCompact: ({ plan }) => {
          expect(plan.tokensBefore).toBeGreaterThan(plan.budgetTokens)
          return { messages: replacement }
        },
        afterCompact: ({ plan, messages, tokens }) => {
          seen.push({ planned: plan.messages.length, sent: messages.length, tokens })
        },
      },
    })
    const events = stream(replace, history)
    const compact = eventsOfType(await collectEvents(events), 'context.compact')
    expect(replaceModel.requests[0]?.messages).toEqual(replacement)
    expect(seen).toEqual([{ planned: expect.any(Number), sent: 1, tokens: compact[0]?.tokensAfter }])
    expect(compact[0]).toMatchObject({
      replacedByHook: true,
      messagesBefore: history.length,
      messagesAfter: 1,
    })
    expect((await events.result).messages.slice(0, history.length)).toEqual(history)
  })

  it('checks a request a beforeModel hook rewrote against the same budget', async () => {
    const model = scriptedModel([{ text: 'never' }])
    const agent = new Agent({
      name: 'rewriter',
      model,
      context: { maxInputTokens: 500 },
      hooks: {
        beforeModel: ({ request }) => ({
          request: {
            ...request,
            messages: [...request.messages, { role: 'user', content: 'more '.repeat(2000) }],
          },
        }),
      },
    })
    await expect(run(agent, 'hi')).rejects.toThrow(/A beforeModel hook rewrote the request over the budget/)
    expect(model.requests).toHaveLength(0)
  })

  it('summarises dropped turns with a cheaper model and counts its usage', async () => {
    const summariser = scriptedModel(
      Array.from({ length: 30 }, () => ({
        text: 'Pages 1 to 20 were all lorem ipsum.',
        usage: { inputTokens: 900, outputTokens: 10 },
      })),
    )
    const model = longScript(30, { contextWindow: 6000, maxOutputTokens: 500 })
    const agent = new Agent({
      name: 'summarising-reader',
      model,
      tools: [fetchShortPage],
      maxTurns: 40,
      context: {
        strategies: [summarizeOldestTurns({ model: summariser, maxSummaryTokens: 200, keepRecent: 4 })],
      },
    })
    const result = await run(agent, 'Read the document.')
    const withSummary = model.requests.filter((request) =>
      request.messages.some(
        (message) =>
          message.role === 'user' &&
          typeof message.content === 'string' &&
          message.content.includes('Pages 1 to 20'),
      ),
    )
    expect(withSummary.length).toBeGreaterThan(0)
    expect(summariser.requests.length).toBeGreaterThanOrEqual(1)
    expect(result.usage.inputTokens).toBeGreaterThanOrEqual(900 * summariser.requests.length)
  })

  it("uses the model's own tokenizer when it has one, and exact OpenAI counting for OpenAI model ids", async () => {
    const counted: string[] = []
    const own: Tokenizer = {
      name: 'own',
      exact: true,
      count: (text) => {
        counted.push(text)
        return text.length
      },
    }
    const base = scriptedModel([{ text: 'ok', usage }], { capabilities: {} })
    const withTokenizer = { ...base, tokenizer: own, stream: base.stream, generate: base.generate }
    const agent = new Agent({ name: 'own', model: withTokenizer, context: { maxInputTokens: 100 } })
    const events = stream(agent, 'x'.repeat(90))
    const compact = eventsOfType(await collectEvents(events), 'context.compact')
    await events.result.catch(() => undefined)
    expect(counted).toContain('x'.repeat(90))
    expect(compact).toEqual([])

    const gpt = scriptedModel([{ text: 'ok', usage }], {
      modelId: 'gpt-4o-mini',
      capabilities: { contextWindow: 600, maxOutputTokens: 100 },
    })
    const gptAgent = new Agent({ name: 'gpt', model: gpt })
    const gptEvents = stream(
      gptAgent,
      ['two', 'one '.repeat(700), 'a', 'b', 'c'].map((content) => ({ role: 'user' as const, content })),
    )
    const gptCompact = eventsOfType(await collectEvents(gptEvents), 'context.compact')
    expect(gptCompact[0]?.tokenizer).toBe('openai:o200k_base')
    // Exact counts keep no estimate margin.
    expect(gptCompact[0]?.budgetTokens).toBe(500)
  })

  it('counts each message of a run once across its turns, and still holds every turn to the budget', async () => {
    const counted = new Map<string, number>()
    const tokenizer: Tokenizer = {
      name: 'spy',
      exact: false,
      count: (text) => {
        counted.set(text, (counted.get(text) ?? 0) + 1)
        return estimateTokenizer.count(text)
      },
    }
    const model = scriptedModel(
      [
        { text: 'step one', toolCalls: [{ name: 'fetch_page', arguments: { n: 1 } }], usage },
        { text: 'step two', toolCalls: [{ name: 'fetch_page', arguments: { n: 2 } }], usage },
        { text: 'all read', usage },
      ],
      { capabilities: { tools: true } },
    )
    const agent = new Agent({ name: 'once', model, tools: [fetchShortPage], context: { tokenizer } })
    const result = await run(agent, 'read the pages')
    expect(result.output).toBe('all read')
    // 3 turns: the input was in every request but counted once, as were the tool results
    expect(counted.get('read the pages')).toBe(1)
    const pages = [...counted].filter(([text]) => text.startsWith('page '))
    expect(pages.map(([, times]) => times)).toEqual([1, 1])

    // The counts carried over still add up: a budget the third request exceeds fails it.
    const tight = new Agent({
      name: 'tight',
      model: scriptedModel(
        [
          { text: 'a', toolCalls: [{ name: 'fetch_page', arguments: { n: 1 } }], usage },
          { text: 'b', toolCalls: [{ name: 'fetch_page', arguments: { n: 2 } }], usage },
          { text: 'c', usage },
        ],
        { capabilities: { tools: true } },
      ),
      tools: [fetchShortPage],
      context: { maxInputTokens: 400, strategies: [] },
    })
    await expect(run(tight, 'read the pages')).rejects.toBeInstanceOf(ContextBudgetError)
  })

  it('rejects a reserve that fills the window with a clear error', async () => {
    const model = scriptedModel([{ text: 'ok' }], { capabilities: { contextWindow: 1000 } })
    const agent = new Agent({ name: 'reserve', model, modelSettings: { maxOutputTokens: 1000 } })
    await expect(run(agent, 'hi')).rejects.toThrow(/leave nothing of the model's 1000-token context window/)
    await expect(new Runtime().run(agent, 'hi')).rejects.not.toBeInstanceOf(ModelError)
  })
})
