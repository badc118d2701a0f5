/**
 * The durable benches' agent (bench/durable-runs.ts, bench/durable-compare.ts,
 * bench/scale-concurrent.ts): 2 tools and a stateless scripted model that asks for `lookup`, then
 * `add`, then answers: 3 model calls and 2 tool calls, 8 checkpoints per durable run. Built from a
 * given agentloop module, so durable-compare can build the same agent on two builds.
 */
import type * as Agentloop from 'agentloop'
import { z } from 'zod'

/** The agent on the build `lib` (the installed `agentloop` or another build's `dist/index.js`). */
export function durableAgent(lib: Pick<typeof Agentloop, 'Agent' | 'tool'>) {
  const lookup = lib.tool({
    name: 'lookup',
    description: 'Look up a value',
    parameters: z.object({ key: z.string() }),
    execute: ({ key }) => `value of ${key}`,
  })
  const add = lib.tool({
    name: 'add',
    description: 'Add two numbers',
    parameters: z.object({ a: z.number(), b: z.number() }),
    execute: ({ a, b }) => a + b,
  })
  return new lib.Agent({ name: 'bench', instructions: 'Use tools.', model, tools: [lookup, add] })
}

const model: Agentloop.Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'stateless',
  async *stream(request): AsyncIterable<Agentloop.ModelStreamPart> {
    const results = request.messages.filter((message) => message.role === 'tool').length
    yield { type: 'response.start' }
    if (results < 2) {
      const [name, args] = results === 0 ? ['lookup', '{"key":"x"}'] : ['add', '{"a":2,"b":3}']
      yield { type: 'text.delta', delta: 'Let me check. ' }
      yield { type: 'tool.call.start', callId: `c${results}`, name }
      yield { type: 'tool.call.delta', callId: `c${results}`, delta: args }
      yield { type: 'tool.call.end', callId: `c${results}` }
    } else {
      yield { type: 'text.delta', delta: 'The answer is 5.' }
    }
    yield {
      type: 'finish',
      finishReason: results < 2 ? 'tool-calls' : 'stop',
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    }
  },
  generate: () => Promise.reject(new Error('not used')),
}
