import { describe, expect, it } from 'vitest'
import { Agent } from '../agent/agent.js'
import { summarizeOldestTurns } from '../context/strategies/summarize-oldest-turns.js'
import { BudgetExceededError } from '../errors/budget-exceeded-error.js'
import type { BeforeModelEvent } from '../hooks/hooks.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { Runtime } from './runtime.js'

const refuse = (event: BeforeModelEvent<unknown>) => {
  throw new BudgetExceededError({
    budget: {
      scope: 'run',
      id: event.runId,
      metric: 'tokens',
      period: 'run',
      limit: 10,
      used: 0,
      requested: (event.tokens?.input ?? 0) + (event.tokens?.reservedOutput ?? 0),
    },
  })
}

describe('a budget refusing a model call (the beforeModel seam)', () => {
  it('the hook sees the model and the counted input plus the reserved output', async () => {
    const seen: BeforeModelEvent<unknown>[] = []
    const model = scriptedModel([{ text: 'ok' }], { provider: 'acme', modelId: 'm1' })
    const agent = new Agent({ name: 'a', model, modelSettings: { maxOutputTokens: 77 } })
    await new Runtime({ hooks: { beforeModel: (event) => void seen.push(event) } }).run(agent, 'hello there')
    expect(seen).toHaveLength(1)
    expect(seen[0]?.model).toBe('acme:m1')
    expect(seen[0]?.tokens?.reservedOutput).toBe(77)
    expect(seen[0]?.tokens?.input).toBeGreaterThan(0)
  })

  it('emits budget.exceeded, fails the run before the model is called, and is not retried by the runner', async () => {
    const storage = createMemoryStorage()
    const model = scriptedModel([{ text: 'never' }])
    const agent = new Agent({ name: 'a', model })
    let calls = 0
    const runtime = new Runtime({
      storage,
      agents: [agent],
      hooks: {
        beforeModel: (event) => {
          calls++
          refuse(event)
        },
      },
      runner: { retries: 3, retryDelayMs: 1 },
    })
    const { runId } = await runtime.submit('a', 'hi')
    await expect(runtime.wait(runId)).rejects.toBeInstanceOf(BudgetExceededError)
    expect(model.requests).toHaveLength(0)
    expect(calls).toBe(1)
    const events = await storage.runs.readEvents(runId)
    const types = events.map((event) => event.type)
    expect(types.indexOf('budget.exceeded')).toBeLessThan(types.indexOf('run.end'))
    expect(types).not.toContain('model.start')
    expect(events.find((event) => event.type === 'budget.exceeded')).toMatchObject({
      budget: { scope: 'run', id: runId, limit: 10 },
      message: expect.stringMatching(/maxTokens budget of run/),
    })
    expect(events.at(-1)).toMatchObject({
      type: 'run.end',
      status: 'failed',
      error: { name: 'BudgetExceededError' },
    })
    await runtime.close()
  })

  describe('compaction summaries pass the same hooks', () => {
    const longHistory = () =>
      Array.from({ length: 12 }, (_, index) => [
        { role: 'user' as const, content: `Page ${index + 1}: ${'lorem ipsum dolor sit amet '.repeat(40)}` },
        { role: 'assistant' as const, content: `Noted page ${index + 1}.` },
      ]).flat()
    const setup = () => {
      const summariser = scriptedModel([{ text: 'The user read pages 1 to 12.' }], {
        provider: 'cheap',
        modelId: 'summariser',
      })
      const model = scriptedModel([{ text: 'ok' }], {
        provider: 'main',
        modelId: 'small-window',
        capabilities: { tools: true, contextWindow: 1200, maxOutputTokens: 100 },
      })
      const agent = new Agent({
        name: 'reader',
        model,
        context: {
          strategies: [summarizeOldestTurns({ model: summariser, keepRecent: 2, maxSummaryTokens: 150 })],
        },
      })
      return { summariser, model, agent }
    }

    it('the hook sees the summary call first, with purpose compaction, its model and its tokens', async () => {
      const { summariser, agent } = setup()
      const seen: { purpose: string; model: string | undefined; tokens: unknown; after: boolean }[] = []
      const runtime = new Runtime({
        hooks: {
          beforeModel: (event) =>
            void seen.push({
              purpose: event.purpose,
              model: event.model,
              tokens: event.tokens,
              after: false,
            }),
          afterModel: (event) =>
            void seen.push({ purpose: event.purpose, model: undefined, tokens: undefined, after: true }),
        },
      })
      const result = await runtime.run(agent, [
        ...longHistory(),
        { role: 'user', content: 'What did I read?' },
      ])
      expect(result.status).toBe('completed')
      expect(summariser.requests).toHaveLength(1)
      expect(seen.map((entry) => `${entry.after ? 'after' : 'before'} ${entry.purpose}`)).toEqual([
        'before compaction',
        'after compaction',
        'before turn',
        'after turn',
      ])
      expect(seen[0]).toMatchObject({
        model: 'cheap:summariser',
        tokens: { input: expect.any(Number), reservedOutput: 150 },
      })
      expect((seen[0]?.tokens as { input: number } | undefined)?.input).toBeGreaterThan(500)
      expect(seen[2]?.model).toBe('main:small-window')
    })

    it('a refused summary is never sent: budget.exceeded, then the run fails before any model call', async () => {
      const { summariser, model, agent } = setup()
      const storage = createMemoryStorage()
      const runtime = new Runtime({
        storage,
        hooks: { beforeModel: (event) => (event.purpose === 'compaction' ? refuse(event) : undefined) },
      })
      const events = runtime.stream(agent, [...longHistory(), { role: 'user', content: 'What did I read?' }])
      await expect(events.result).rejects.toBeInstanceOf(BudgetExceededError)
      expect(summariser.requests).toHaveLength(0)
      expect(model.requests).toHaveLength(0)
      const stored = await storage.runs.readEvents((await storage.runs.list({ limit: 1 }))[0]?.runId ?? '')
      const types = stored.map((event) => event.type)
      expect(types).toContain('budget.exceeded')
      expect(types).not.toContain('context.compact')
      expect(stored.at(-1)).toMatchObject({
        type: 'run.end',
        status: 'failed',
        error: { name: 'BudgetExceededError' },
      })
    })
  })
})
