import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, type Model, type ModelStreamPart, Runtime, tool } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import Database from 'better-sqlite3'
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
;(globalThis as any).SP_PRAGMA = 'wal_autocheckpoint=0'
const path = join(mkdtempSync(join(tmpdir(), 'sp-')), 'x.db')
const storage = createSqliteStorage({ path, synchronous: 'NORMAL' })
const runtime = new Runtime({ storage, agents: [agent] })
for (let i = 0; i < 500; i++) await runtime.run(agent, 'warm')
const db = new Database(path)
const before = (db.pragma('wal_checkpoint(PASSIVE)') as any[])[0]
for (let i = 0; i < 200; i++) await runtime.run(agent, 'What is 2 + 3?')
const after = (db.pragma('wal_checkpoint(PASSIVE)') as any[])[0]
console.log(before, after, 'frames per checkpoint', (after.log - before.log) / 1600)
