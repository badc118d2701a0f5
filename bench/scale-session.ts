/**
 * How a conversation in a session scales in storage (issue 21): RUNS (default 500) durable runs on
 * one session, each adding 4 messages (the user's question, a tool call, its result, the answer),
 * on SQLite. Prints the database size against the conversation's own size (the JSON of the
 * session's messages) at 100, 200 and RUNS runs, for three databases fed the same runs: one keeping
 * everything, one whose finished runs' checkpoints are pruned (`runs.pruneCheckpoint`), and one
 * with the documented retention policy: each finished run compacted (`runs.compact`: checkpoint
 * dropped, event log archived in one compressed record), and a `VACUUM` at each measuring point
 * (sizes before and after it). The target is at most 3x after 500 runs. Then where the bytes are
 * (tables and indexes, from SQLite's dbstat). The tool answers with an order's record (about 260
 * bytes of JSON per message: 0.52 MB of conversation after 500 runs, the size the issue measured);
 * SESSION_TOOL_OUTPUT=short makes it one sentence (117 bytes per message).
 *
 * Section `session` of bench/scale.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, type Model, type ModelStreamPart, Runtime, type Storage, tool } from 'agentloop'
import { createSqliteStorage } from 'agentloop/sqlite'
import Database from 'better-sqlite3'
import { z } from 'zod'

const RUNS = Number(process.env.SESSION_RUNS ?? 500)
/**
 * The tool's answer: `order` (the default: the order's record as JSON, about 750 characters, so
 * about 260 bytes per message, the size of the conversation the issue measured, 0.6 MB after 500
 * runs) or `short` (one sentence: 117 bytes of JSON per message on average).
 */
const TOOL_OUTPUT = process.env.SESSION_TOOL_OUTPUT ?? 'order'
if (TOOL_OUTPUT !== 'short' && TOOL_OUTPUT !== 'order')
  throw new Error(`SESSION_TOOL_OUTPUT must be short or order, not "${TOOL_OUTPUT}"`)

const products = ['USB-C cable 2 m', 'Laptop stand, aluminium', 'Wireless mouse', 'Notebook A5, dotted']
/** An order's record as a shop's API would answer it: varied numbers, dates and items. */
function orderRecord(order: number): string {
  const items = [0, 1].map((index) => ({
    sku: `SKU-${(order * 7919 + index * 104729) % 100000}`,
    name: products[(order + index) % products.length],
    quantity: 1 + ((order + index) % 3),
    unitPrice: Number((9.99 + ((order * 13 + index * 7) % 90)).toFixed(2)),
  }))
  return JSON.stringify({
    order,
    status: 'shipped',
    placedAt: new Date(Date.UTC(2026, 10, 1 + (order % 28), 9, order % 60)).toISOString(),
    shippedAt: new Date(Date.UTC(2026, 10, 2 + (order % 28), 14, (order * 7) % 60)).toISOString(),
    carrier: order % 2 === 0 ? 'DHL Express' : 'UPS Standard',
    tracking: `1Z${String(order * 982451653)
      .padStart(16, '0')
      .slice(0, 16)}`,
    items,
    total: Number(items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0).toFixed(2)),
    shippingAddress: {
      name: 'Alex Doe',
      street: `${order % 200} Market Street`,
      city: 'Springfield',
      postcode: `${10000 + (order % 89999)}`,
      country: 'US',
    },
    estimatedDelivery: new Date(Date.UTC(2026, 10, 5 + (order % 25))).toISOString().slice(0, 10),
    notes: 'Leave the parcel at the front desk if nobody answers the door.',
  })
}

const lookup = tool({
  name: 'lookup',
  description: 'Look up an order',
  parameters: z.object({ order: z.number() }),
  execute: ({ order }) =>
    TOOL_OUTPUT === 'order'
      ? orderRecord(order)
      : `Order ${order}: 2 items, shipped on Monday, arriving on Thursday by courier.`,
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

/** The pages in use, WAL included (a reader sees the latest commit): what the data takes. */
function databaseBytes(path: string): number {
  const db = new Database(path, { readonly: true })
  const pages =
    Number(db.pragma('page_count', { simple: true })) - Number(db.pragma('freelist_count', { simple: true }))
  const bytes = pages * Number(db.pragma('page_size', { simple: true }))
  db.close()
  return bytes
}

/** Bytes per table and index (SQLite's dbstat), largest first. */
function breakdown(path: string): string {
  const db = new Database(path, { readonly: true })
  const rows = db
    .prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
    .all() as { name: string; bytes: number }[]
  // the records table by collection, and the tables SQLite keeps for messages and events
  const byCollection = [
    ...(db
      .prepare(
        'SELECT collection, count(*) AS n, sum(length(data)) AS bytes FROM agentloop_records GROUP BY collection',
      )
      .all() as { collection: string; n: number; bytes: number }[]),
    ...['session_messages', 'run_events'].map(
      (table) =>
        db
          .prepare(
            `SELECT '${table}' AS collection, count(*) AS n, sum(length(data)) AS bytes FROM agentloop_${table}`,
          )
          .get() as { collection: string; n: number; bytes: number },
    ),
  ].sort((a, b) => b.bytes - a.bytes)
  db.close()
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`
  return [
    `    pages: ${rows
      .filter((row) => row.bytes > 4096)
      .map((row) => `${row.name.replace('agentloop_', '')} ${kb(row.bytes)}`)
      .join(', ')}`,
    `    data by collection (bytes as stored): ${byCollection.map((row) => `${row.collection} ${kb(row.bytes)} (${row.n})`).join(', ')}`,
  ].join('\n')
}

type Retention = 'none' | 'prune' | 'compact'

interface Subject {
  name: string
  path: string
  storage: Storage
  runtime: Runtime
  retention: Retention
}

function vacuum(path: string): void {
  const db = new Database(path)
  db.exec('VACUUM')
  db.close()
}

const cell = (bytes: number, conversation: number) =>
  `${(bytes / 1024).toFixed(0).padStart(5)} KB ${(bytes / conversation).toFixed(2).padStart(6)}x`

/** Prints the session-size curves. */
export async function sessionSection(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agentloop-bench-session-'))
  const subjects: Subject[] = (
    [
      ['everything kept', 'none'],
      ['checkpoints pruned', 'prune'],
      ['runs compacted', 'compact'],
    ] as const
  ).map(([name, retention]) => {
    const path = join(dir, `${retention}.sqlite`)
    const storage = createSqliteStorage({ path, synchronous: 'NORMAL' })
    return { name, path, storage, runtime: new Runtime({ storage, agents: [agent] }), retention }
  })
  console.log(
    `\n${RUNS} durable runs on one session, +4 messages each (tool output: ${TOOL_OUTPUT}), on SQLite (synchronous=NORMAL):`,
  )
  console.log(
    '  runs   messages   conversation   everything kept     checkpoints pruned  compacted           compacted + VACUUM  ms/run (kept, pruned, compacted)',
  )
  const points = new Set([100, 200, RUNS])
  const elapsed = subjects.map(() => 0)
  const compacted = subjects[2] as Subject
  let compactMs = 0
  let compactCpu = 0
  for (let n = 1; n <= RUNS; n++) {
    const input = `Where is my order number ${n}? It was placed last week.`
    for (const [index, subject] of subjects.entries()) {
      const start = performance.now()
      const result = await subject.runtime.run(agent, input, { session: 'support' })
      if (subject.retention === 'prune') await subject.storage.runs.pruneCheckpoint(result.runId)
      if (subject.retention === 'compact') {
        const cpu = process.cpuUsage()
        const started = performance.now()
        await subject.storage.runs.compact(result.runId)
        compactMs += performance.now() - started
        const used = process.cpuUsage(cpu)
        compactCpu += (used.user + used.system) / 1000
      }
      elapsed[index] = (elapsed[index] as number) + performance.now() - start
    }
    if (!points.has(n)) continue
    const messages = await (subjects[0] as Subject).storage.sessions.messages('support')
    const conversation = JSON.stringify(messages).length
    const cells = subjects.map((subject) => cell(databaseBytes(subject.path), conversation))
    // the policy's periodic VACUUM (the storage's own connection is idle between runs)
    const vacuumStart = performance.now()
    vacuum(compacted.path)
    const vacuumMs = performance.now() - vacuumStart
    cells.push(cell(databaseBytes(compacted.path), conversation))
    console.log(
      `  ${String(n).padStart(4)}   ${String(messages.length).padStart(8)}   ${(conversation / 1024).toFixed(0).padStart(9)} KB   ${cells.join('   ')}   ${elapsed.map((total) => (total / n).toFixed(2)).join(', ')} (VACUUM ${vacuumMs.toFixed(0)} ms)`,
    )
  }
  console.log(
    `  runs.compact: ${(compactMs / RUNS).toFixed(2)} ms per run (${(compactCpu / RUNS).toFixed(2)} ms of CPU), load average ${loadavg()[0]?.toFixed(1)}`,
  )
  for (const subject of subjects) {
    console.log(
      `  after ${RUNS} runs, ${subject.name}${subject === compacted ? ' and VACUUM' : ''}:\n${breakdown(subject.path)}`,
    )
  }
  const pruned = subjects[1] as Subject
  const finalConversation = JSON.stringify(await pruned.storage.sessions.messages('support')).length
  vacuum(pruned.path)
  const prunedCompacted = databaseBytes(pruned.path)
  console.log(
    `  checkpoints pruned, then VACUUM: ${(prunedCompacted / 1024).toFixed(0)} KB, ${(prunedCompacted / finalConversation).toFixed(2)}x its conversation`,
  )
  // the compacted runs still give back their whole event logs
  const [last] = await compacted.storage.runs.list({ sessionId: 'support', limit: 1 })
  const [kept] = await (subjects[0] as Subject).storage.runs.list({ sessionId: 'support', limit: 1 })
  const sameShape = (events: { type: string }[]) => events.map((event) => event.type).join()
  const lastEvents = await compacted.storage.runs.readEvents(last?.runId ?? '')
  if (
    sameShape(lastEvents) !==
    sameShape(await (subjects[0] as Subject).storage.runs.readEvents(kept?.runId ?? ''))
  )
    throw new Error('a compacted run lost events')
  const keptMessages = JSON.stringify(await (subjects[0] as Subject).storage.sessions.messages('support'))
  if (JSON.stringify(await compacted.storage.sessions.messages('support')) !== keptMessages)
    throw new Error('compaction changed the session')
  // what the conversation alone takes: the same database once every run's record and log are deleted
  const keptSubject = subjects[0] as Subject
  for (;;) {
    const runs = await keptSubject.storage.runs.list({ sessionId: 'support', kind: 'all', limit: 100 })
    if (runs.length === 0) break
    for (const run of runs) await keptSubject.storage.runs.delete(run.runId)
  }
  const conversation = JSON.stringify(await keptSubject.storage.sessions.messages('support')).length
  const alone = databaseBytes(keptSubject.path)
  vacuum(keptSubject.path)
  const aloneCompacted = databaseBytes(keptSubject.path)
  console.log(
    `  the session alone (runs deleted): ${(alone / 1024).toFixed(0)} KB, ${(alone / conversation).toFixed(2)}x its conversation; after VACUUM ${(aloneCompacted / 1024).toFixed(0)} KB, ${(aloneCompacted / conversation).toFixed(2)}x`,
  )
  for (const subject of subjects) await subject.storage.close()
  rmSync(dir, { recursive: true, force: true })
}
