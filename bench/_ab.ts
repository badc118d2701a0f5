import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, type Model, type ModelStreamPart, Runtime, tool } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import { z } from 'zod'
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
const configs = (process.env.CONFIGS ?? '|wal_autocheckpoint=10000').split('|')
const subjects = configs.map((pragma) => { (globalThis as any).SP_PRAGMA = pragma; const storage = createSqliteStorage({ path: join(mkdtempSync(join(tmpdir(), 'sp-')), 'x.db'), synchronous: 'NORMAL' }); return { pragma, runtime: new Runtime({ storage, agents: [agent] }), wall: 0, cpu: 0, n: 0 } })
for (const s of subjects) for (let i = 0; i < 30; i++) await s.runtime.run(agent, 'warm')
for (let round = 0; round < Number(process.env.ROUNDS ?? 10); round++) for (const s of subjects) {
  const c0 = process.cpuUsage(); const t0 = performance.now()
  for (let i = 0; i < 100; i++) await s.runtime.run(agent, 'What is 2 + 3?')
  s.wall += performance.now() - t0; const c = process.cpuUsage(c0); s.cpu += (c.user + c.system) / 1000; s.n += 100
}
for (const s of subjects) console.log(JSON.stringify(s.pragma).padEnd(40), (s.wall * 1000 / s.n).toFixed(0), 'us/run wall', (s.cpu * 1000 / s.n).toFixed(0), 'us/run cpu')
