// profile: durable runs on one backend, sequential
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, createMemoryStorage, type Model, type ModelStreamPart, Runtime, tool } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import { z } from 'zod'
const RUNS = Number(process.env.RUNS ?? 2000)
const lookup = tool({ name: 'lookup', description: 'Look up a value', parameters: z.object({ key: z.string() }), execute: ({ key }) => `value of ${key}` })
const add = tool({ name: 'add', description: 'Add two numbers', parameters: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b })
const model: Model = { specificationVersion: 'agentloop.model.v1', provider: 'bench', modelId: 'stateless',
  async *stream(request): AsyncIterable<ModelStreamPart> {
    const results = request.messages.filter((message) => message.role === 'tool').length
    yield { type: 'response.start' }
    if (results === 0 || results === 1) {
      const [name, args] = results === 0 ? ['lookup', '{"key":"x"}'] : ['add', '{"a":2,"b":3}']
      yield { type: 'text.delta', delta: 'Let me check. ' }
      yield { type: 'tool.call.start', callId: `c${results}`, name }
      yield { type: 'tool.call.delta', callId: `c${results}`, delta: args }
      yield { type: 'tool.call.end', callId: `c${results}` }
    } else yield { type: 'text.delta', delta: 'The answer is 5.' }
    yield { type: 'finish', finishReason: results < 2 ? 'tool-calls' : 'stop', usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 } }
  }, async generate() { throw new Error('not used') } }
const agent = new Agent({ name: 'bench', instructions: 'Use tools.', model, tools: [lookup, add] })
const which = process.env.BACKEND ?? 'sqlite'
const storage = which === 'memory' ? createMemoryStorage() : which === 'none' ? undefined : createSqliteStorage({ path: join(mkdtempSync(join(tmpdir(), 'sp-')), 'x.db'), synchronous: 'NORMAL' })
const runtime = new Runtime(storage === undefined ? {} : { storage, agents: [agent] })
for (let i = 0; i < 50; i++) await runtime.run(agent, 'warm')
const cpu0 = process.cpuUsage(); const start = performance.now()
for (let i = 0; i < RUNS; i++) await runtime.run(agent, 'What is 2 + 3?')
{ const c = process.cpuUsage(cpu0); console.log(which, process.env.SP_PRAGMA ?? "", ((performance.now() - start) * 1000 / RUNS).toFixed(0), "us/run wall", ((c.user + c.system) / RUNS).toFixed(0), "us/run cpu", (c.system / RUNS).toFixed(0), "sys") }
