/**
 * The loop benchmark's workload, shared by the benches that measure what is added on top of it
 * (bench/loop-overhead.ts, bench/otel.ts): 2 tools and a stateless streaming model that makes 3
 * model calls and 2 tool calls per run.
 */
import { type Model, tool } from 'agentloop'
import { z } from 'zod'

/** The `lookup` tool; `before` runs first in each call (the loop bench parks calls on a gate). */
export function lookupTool(before?: () => Promise<void>) {
  return tool({
    name: 'lookup',
    description: 'Look up a value',
    parameters: z.object({ key: z.string() }),
    execute: async ({ key }) => {
      if (before !== undefined) await before()
      return `value of ${key}`
    },
  })
}

export const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})

/**
 * A stateless model for the benchmark: it answers from the request alone (turn 1 asks for lookup,
 * turn 2 for add, turn 3 answers), streaming like a provider: text in 8-character deltas, tool
 * arguments in 2 deltas. Stateless, so one agent serves every run, as in a real application.
 */
export const model: Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'bench-model',
  generate: () => Promise.reject(new Error('not used')),
  async *stream(request) {
    let turn = 0
    for (const message of request.messages) if (message.role === 'assistant') turn++
    yield { type: 'response.start' }
    if (turn < 2) {
      const callId = `call_${turn}`
      const args = turn === 0 ? '{"key":"x"}' : '{"a":2,"b":3}'
      yield { type: 'tool.call.start', callId, name: turn === 0 ? 'lookup' : 'add' }
      yield { type: 'tool.call.delta', callId, delta: args.slice(0, 5) }
      yield { type: 'tool.call.delta', callId, delta: args.slice(5) }
      yield { type: 'tool.call.end', callId }
      yield {
        type: 'finish',
        finishReason: 'tool-calls',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      }
      return
    }
    const text = 'The value is 5.'
    for (let start = 0; start < text.length; start += 8)
      yield { type: 'text.delta', delta: text.slice(start, start + 8) }
    yield {
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 30, outputTokens: 5, totalTokens: 35 },
    }
  },
}
