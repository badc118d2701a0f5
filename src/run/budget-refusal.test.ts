import { describe, expect, it } from 'vitest'
import { Agent } from '../agent/agent.js'
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
})
