import { Agent, type Model, type ModelStreamPart, Runtime, tool } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import Database from 'better-sqlite3'
import { rmSync } from 'node:fs'
import { z } from 'zod'
const lookup = tool({ name: 'lookup', description: 'Look up an order', parameters: z.object({ order: z.number() }),
  execute: ({ order }) => `Order ${order}: 2 items, shipped on Monday, arriving on Thursday by courier.` })
const model: Model = { specificationVersion: 'agentloop.model.v1', provider: 'bench', modelId: 'stateless',
  async *stream(request): AsyncIterable<ModelStreamPart> {
    const last = request.messages.at(-1)
    yield { type: 'response.start' }
    if (last?.role === 'user') {
      yield { type: 'tool.call.start', callId: 'c1', name: 'lookup' }
      yield { type: 'tool.call.delta', callId: 'c1', delta: `{"order":${request.messages.length}}` }
      yield { type: 'tool.call.end', callId: 'c1' }
      yield { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 } }
      return
    }
    yield { type: 'text.delta', delta: 'Your order has shipped and should arrive on Thursday; anything else?' }
    yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 } }
  }, async generate() { throw new Error('x') } }
const agent = new Agent({ name: 'support', model, tools: [lookup] })
rmSync('/tmp/sp/d.sqlite', { force: true })
const storage = createSqliteStorage({ path: '/tmp/sp/d.sqlite', synchronous: 'NORMAL' })
const runtime = new Runtime({ storage, agents: [agent] })
for (let n = 1; n <= 3; n++) await runtime.run(agent, `Where is my order number ${n}? It was placed last week.`, { session: 'support' })
await storage.close()
const db = new Database('/tmp/sp/d.sqlite')
for (const row of db.prepare('select collection, key, grp, ord, parent, length(data) l, data from agentloop_records where collection != ? order by rowid').all('x') as any[]) console.log(row.collection, row.key, row.grp, row.ord, row.parent, row.l, '\n   ', row.data)
console.log(db.prepare('select count(*) n from agentloop_record_index').get())
