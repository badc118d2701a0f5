/**
 * The throughput of durable runs: the same agent as bench/loop-overhead.ts (3 model calls and 2
 * tool calls per run, a scripted stateless model), run without storage and with each backend.
 * A durable run saves 8 checkpoints (start, 3 model responses... see docs/durable-runs.md) with
 * its events; the difference to the run without storage, divided by the checkpoints, is the cost
 * the durability adds per checkpoint, all included (state JSON, events, the write, the await).
 *
 * Run: npm run bench:durable   (builds dist/ first; PostgreSQL and Redis when reachable)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, createMemoryStorage, Runtime, type Storage, tool } from 'agentloop'
import { createPostgresStorage } from 'agentloop/postgres'
import { createRedisStorage } from 'agentloop/redis'
import { createSqliteStorage } from 'agentloop/sqlite'
import { durableAgent } from './durable-workload.js'

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const RUNS = Number(process.env.RUNS ?? 300)

const agent = durableAgent({ Agent, tool })

async function measure(storage: Storage | undefined): Promise<{ perRun: number; checkpoints: number }> {
  const runtime = new Runtime(storage === undefined ? {} : { storage, agents: [agent] })
  for (let i = 0; i < 20; i++) await runtime.run(agent, 'warm up')
  const start = process.hrtime.bigint()
  for (let i = 0; i < RUNS; i++) await runtime.run(agent, 'What is 2 + 3?')
  const perRun = Number(process.hrtime.bigint() - start) / 1e3 / RUNS
  let checkpoints = 0
  if (storage !== undefined) {
    const stream = runtime.stream(agent, 'count')
    // Every save reports itself with a checkpoint.save event, the last one too.
    for await (const event of stream) if (event.type === 'checkpoint.save') checkpoints++
  }
  return { perRun, checkpoints }
}

const dir = mkdtempSync(join(tmpdir(), 'agentloop-bench-durable-'))
const backends: [string, () => Promise<Storage | undefined>][] = [
  ['no storage', async () => undefined],
  ['memory', async () => createMemoryStorage()],
  ['SQLite, synchronous=FULL', async () => createSqliteStorage({ path: join(dir, 'full.sqlite') })],
  [
    'SQLite, synchronous=NORMAL',
    async () => createSqliteStorage({ path: join(dir, 'normal.sqlite'), synchronous: 'NORMAL' }),
  ],
  [
    'PostgreSQL',
    async () => createPostgresStorage({ connectionString: DATABASE_URL, schema: `bench_${process.pid}` }),
  ],
  ['Redis', async () => createRedisStorage({ url: REDIS_URL, prefix: `bench:${process.pid}:` })],
]
// BACKENDS=memory,NORMAL (substrings of the names) measures only those (no storage is always measured).
const only = process.env.BACKENDS?.split(',').map((name) => name.trim().toLowerCase())
const chosen = backends.filter(
  ([name]) =>
    name === 'no storage' || only === undefined || only.some((part) => name.toLowerCase().includes(part)),
)
console.log(`${RUNS} runs each (3 model calls, 2 tool calls per run), sequential:`)
let base = 0
for (const [name, open] of chosen) {
  let storage: Storage | undefined
  try {
    storage = await open()
    const { perRun, checkpoints } = await measure(storage)
    if (storage === undefined) base = perRun
    const added =
      storage === undefined
        ? ''
        : `, +${((perRun - base) / checkpoints).toFixed(0)} us per checkpoint (${checkpoints} per run)`
    console.log(
      `  ${name.padEnd(28)} ${(1e6 / perRun).toFixed(0).padStart(6)} runs/s  ${perRun.toFixed(0).padStart(6)} us/run${added}`,
    )
  } catch (error) {
    console.log(`  ${name.padEnd(28)} skipped: ${(error as Error).message}`)
  } finally {
    if (name === 'PostgreSQL' && storage !== undefined) {
      const pg = await import('pg')
      const client = new pg.default.Client({ connectionString: DATABASE_URL })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS bench_${process.pid} CASCADE`)
      await client.end()
    }
    await storage?.close()
  }
}
rmSync(dir, { recursive: true, force: true })
