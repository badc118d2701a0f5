// The chat names, chat attributes and metric attribute sets tracing makes once per model and
// reuses: each model keeps its own, a failed call gets its own set with error.type, and a handoff
// to an agent on another model names the next chat spans after that model.
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics'
import { Agent, ModelError, Runtime } from 'agentloop'
import { createTracing } from 'agentloop/otel'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { createOtelTestKit, parentOf } from '../../test/support/otel.js'

describe('model attribute sets made once and reused', () => {
  it('keeps metric points of different models, responses and errors apart across runs', async () => {
    const kit = createOtelTestKit()
    const tracing = createTracing({ tracerProvider: kit.tracerProvider, meterProvider: kit.meterProvider })
    const runtime = new Runtime({ observers: [tracing] })
    const fast = scriptedModel(
      [
        { text: 'a', usage: { inputTokens: 1, outputTokens: 1 } },
        { text: 'b', usage: { inputTokens: 2, outputTokens: 1 } },
        { error: new ModelError({ provider: 'openai', message: 'upstream 500', statusCode: 500 }) },
      ],
      { provider: 'openai', modelId: 'gpt-a' },
    )
    const slow = scriptedModel([{ text: 'c', usage: { inputTokens: 100, outputTokens: 7 } }], {
      provider: 'anthropic',
      modelId: 'claude-b',
    })
    await runtime.run(new Agent({ name: 'one', model: fast }), 'hi')
    await runtime.run(new Agent({ name: 'two', model: slow }), 'hi')
    await runtime.run(new Agent({ name: 'three', model: fast }), 'hi')
    await expect(runtime.run(new Agent({ name: 'four', model: fast }), 'hi')).rejects.toThrow(ModelError)

    const metrics = await kit.metrics()
    const points = (name: string) =>
      (metrics.find((metric) => metric.descriptor.name === name)?.dataPoints ?? []) as DataPoint<Histogram>[]
    const durations = points('gen_ai.client.operation.duration').map((point) => ({
      model: point.attributes['gen_ai.request.model'],
      provider: point.attributes['gen_ai.provider.name'],
      error: point.attributes['error.type'],
      count: point.value.count,
    }))
    expect(durations).toEqual(
      expect.arrayContaining([
        { model: 'gpt-a', provider: 'openai', error: undefined, count: 2 },
        { model: 'gpt-a', provider: 'openai', error: 'ModelError', count: 1 },
        { model: 'claude-b', provider: 'anthropic', error: undefined, count: 1 },
      ]),
    )
    expect(durations).toHaveLength(3)
    const inputs = points('gen_ai.client.token.usage')
      .filter((point) => point.attributes['gen_ai.token.type'] === 'input')
      .map((point) => [point.attributes['gen_ai.request.model'], point.value.sum])
    expect(inputs).toEqual(
      expect.arrayContaining([
        ['gpt-a', 3],
        ['claude-b', 100],
      ]),
    )
    expect(kit.spans().filter((span) => span.name === 'chat gpt-a')).toHaveLength(3)
  })

  it('names chat spans after the model of the agent a handoff passed the run to', async () => {
    const kit = createOtelTestKit()
    const tracing = createTracing({ tracerProvider: kit.tracerProvider, meterProvider: false })
    const billing = new Agent({
      name: 'billing',
      model: scriptedModel([{ text: 'paid' }], { provider: 'anthropic', modelId: 'claude-b' }),
    })
    const triage = new Agent({
      name: 'triage',
      model: scriptedModel([{ toolCalls: [{ name: 'transfer_to_billing', callId: 'h1' }] }], {
        provider: 'openai',
        modelId: 'gpt-a',
      }),
      handoffs: [billing],
    })
    await new Runtime({ observers: [tracing] }).run(triage, 'my invoice')
    const run = kit.span('invoke_agent triage')
    const after = kit.span('chat claude-b')
    expect(parentOf(kit.span('chat gpt-a'))).toBe(run.spanContext().spanId)
    expect(parentOf(after)).toBe(run.spanContext().spanId)
    expect(after.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-b',
      'gen_ai.response.model': 'claude-b',
    })
  })
})
