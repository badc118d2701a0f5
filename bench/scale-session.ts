/**
 * How a conversation in a session scales in storage (issue 21): RUNS (default 500) durable runs on
 * one session, each adding 4 messages (the user's question, a tool call, its result, the answer),
 * on SQLite. Prints the database size against the conversation's own size (the JSON of the
 * session's messages) at several points; the target is at most 3x after 500 runs. Also the time
 * of a run's context budget step as the session grows (its history is not counted again).
 *
 * Section `session` of bench/scale.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, type Model, type ModelStreamPart, Runtime, tool } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import Database from 'better-sqlite3'
import { z } from 'zod'

const RUNS = Number(process.env.SESSION_RUNS ?? 500)

const lookup = tool({
  name: 'lookup',
  description: 'Look up an order',
  parameters: z.object({ order: z.number() }),
  execute: ({ order }) => `Order ${order}: 2 items, shipped on Monday, arriving on Thursday by courier.`,
})
const model: Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'stateless',
  async *stream(request): AsyncIterable<ModelStreamPart> {
    const last = request.messages.at(-1)
    yield { type: 'response.start' }
    if (last?.role === 'user') {
      yield { type: 'tool.call.start', callId: 'c1', name: 'lookup' }
      yield { type: 'tool.call.delta', callId: 'c1', delta: `{"order":${request.messages.length}}` }
      yield { type: 'tool.call.end', callId: 'c1' }
      yield {
        type: 'finish',
        finishReason: 'tool-calls',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      }
      return
    }
    yield {
      type: 'text.delta',
      delta: 'Your order has shipped and should arrive on Thursday; anything else?',
    }
    yield {
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    }
  },
  async generate() {
    throw new Error('not used')
  },
}
const agent = new Agent({ name: 'support', model, tools: [lookup] })

/** Prints the session-size curve. */
export async function sessionSection(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agentloop-bench-session-'))
  const path = join(dir, 'session.sqlite')
  const storage = createSqliteStorage({ path, synchronous: 'NORMAL' })
  const runtime = new Runtime({ storage, agents: [agent] })
  // the pages in use, WAL included (a reader sees the latest commit): what the data takes
  const size = () => {
    const db = new Database(path, { readonly: true })
    const pages =
      Number(db.pragma('page_count', { simple: true })) -
      Number(db.pragma('freelist_count', { simple: true }))
    const bytes = pages * Number(db.pragma('page_size', { simple: true }))
    db.close()
    return bytes
  }
  console.log(`${RUNS} durable runs on one session, +4 messages each, on SQLite (synchronous=NORMAL):`)
  console.log('  runs   messages   conversation   database (pages in use)   ratio   run time')
  const points = new Set([10, 100, 250, RUNS])
  let elapsed = 0
  for (let n = 1; n <= RUNS; n++) {
    const start = performance.now()
    await runtime.run(agent, `Where is my order number ${n}? It was placed last week.`, {
      session: 'support',
    })
    elapsed += performance.now() - start
    if (!points.has(n)) continue
    const messages = await storage.sessions.messages('support')
    const conversation = JSON.stringify(messages).length
    const database = size()
    console.log(
      `  ${String(n).padStart(4)}   ${String(messages.length).padStart(8)}   ${(conversation / 1024).toFixed(0).padStart(9)} KB   ${(database / 1024).toFixed(0).padStart(17)} KB   ${(database / conversation).toFixed(2).padStart(5)}x   ${(elapsed / n).toFixed(2)} ms/run`,
    )
  }
  const db = new Database(path, { readonly: true })
  const rows = db
    .prepare(
      'SELECT collection, count(*) AS n, sum(length(data)) AS bytes FROM agentloop_records GROUP BY collection ORDER BY bytes DESC',
    )
    .all() as { collection: string; n: number; bytes: number }[]
  db.close()
  console.log(
    `  after ${RUNS} runs, JSON bytes by collection: ${rows.map((row) => `${row.collection} ${(row.bytes / 1024).toFixed(0)} KB (${row.n})`).join(', ')}`,
  )
  // what the conversation alone takes: the same database once every run's record and log are deleted
  for (;;) {
    const runs = await storage.runs.list({ sessionId: 'support', kind: 'all', limit: 100 })
    if (runs.length === 0) break
    for (const run of runs) await storage.runs.delete(run.runId)
  }
  const conversation = JSON.stringify(await storage.sessions.messages('support')).length
  console.log(
    `  the session alone (runs deleted): ${(size() / 1024).toFixed(0)} KB, ${(size() / conversation).toFixed(2)}x its conversation`,
  )
  await storage.close()
  rmSync(dir, { recursive: true, force: true })
}
