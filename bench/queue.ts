/**
 * The runner's cost and throughput: runs of one model call (a scripted stateless model), submitted
 * with `runtime.submit` and awaited with `runtime.wait`.
 *
 * - in-process queue (memory storage): runs/s, and the cost the queue adds per run against
 *   `runtime.run` of the same agent on the same storage;
 * - BullMQ on local Redis (Redis storage, Redis bus) with 1 and 3 worker processes: runs/s;
 * - submit-to-first-event latency (p50/p99): a subscriber already follows the run
 *   (`runtime.events`), the time from `submit` to its first event.
 *
 * Run: npm run bench:queue   (builds dist/ first; the BullMQ part needs Redis, REDIS_URL)
 */
import { fileURLToPath } from 'node:url'
import { Agent, createMemoryStorage, type Model, type ModelStreamPart, Runtime } from 'agentloop'
import { createPostgresStorage } from 'agentloop/postgres'
import { createBullMqQueue, createRedisEventBus, createRedisStorage } from 'agentloop/redis'
import pg from 'pg'
import { Redis } from 'ioredis'
import {
  clearPrefix,
  cpuPerRun,
  rawThroughput,
  rawWorkerProcess,
  spawnWorkers,
  stopWorkers,
} from './queue-ceiling.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const RUNS = Number(process.env.RUNS ?? 2000)
const LATENCY_SAMPLES = Number(process.env.SAMPLES ?? 300)
/** Which parts to run (PARTS=in-process,bullmq-1,bullmq-3: the default, all). */
const PARTS = (process.env.PARTS ?? 'in-process,bullmq-1,bullmq-3').split(',')
/** The BullMQ parts' storage: `redis` (the default) or `postgres` (DATABASE_URL). */
const STORAGE = process.env.STORAGE ?? 'redis'
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const WORKER_CONCURRENCY = Number(process.env.CONCURRENCY ?? 64)

const model: Model = {
  specificationVersion: 'agentloop.model.v1',
  provider: 'bench',
  modelId: 'one-call',
  async *stream(): AsyncIterable<ModelStreamPart> {
    yield { type: 'response.start' }
    yield { type: 'text.delta', delta: 'done' }
    yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } }
  },
  async generate() {
    return {
      content: [{ type: 'text', text: 'done' }],
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    }
  },
} as Model
const agent = () => new Agent({ name: 'one-call', model })

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

async function throughput(runtime: Runtime, runs: number): Promise<number> {
  const started = performance.now()
  const ids = await Promise.all(Array.from({ length: runs }, () => runtime.submit('one-call', 'go')))
  await Promise.all(ids.map(({ runId }) => runtime.wait(runId)))
  return runs / ((performance.now() - started) / 1000)
}

async function latency(runtime: Runtime, samples: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = []
  for (let index = 0; index < samples; index++) {
    const runId = crypto.randomUUID()
    const iterator = runtime.events(runId)[Symbol.asyncIterator]()
    const first = iterator.next()
    // The subscription is live once the follower has read the (empty) stored log.
    await new Promise((resolve) => setTimeout(resolve, 1))
    const started = performance.now()
    await runtime.submit('one-call', 'go', { runId })
    await first
    times.push(performance.now() - started)
    await iterator.return?.()
    await runtime.wait(runId)
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) }
}

const format = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} us` : `${ms.toFixed(2)} ms`)

async function inProcess(): Promise<void> {
  const storage = createMemoryStorage()
  const direct = new Runtime({ storage, agents: [agent()] })
  const the = direct.runnables.get('one-call')
  if (the?.kind !== 'agent') throw new Error('unreachable')
  const queued = new Runtime({ storage: createMemoryStorage(), agents: [agent()] })
  // warm-up
  await Promise.all(Array.from({ length: 200 }, () => direct.run(the.agent, 'go')))
  await throughput(queued, 200)
  /** Wall and CPU time per run of one phase. */
  const timed = async (phase: () => Promise<unknown>) => {
    const cpu = process.cpuUsage()
    const started = performance.now()
    await phase()
    const used = process.cpuUsage(cpu)
    return { wall: (performance.now() - started) / RUNS, cpu: (used.user + used.system) / 1000 / RUNS }
  }
  // Interleaved rounds, the best of each: the machine's load hits both alike.
  const best = { direct: { wall: Infinity, cpu: Infinity }, queued: { wall: Infinity, cpu: Infinity } }
  for (let round = 0; round < 3; round++) {
    const one = await timed(() =>
      Promise.all(Array.from({ length: RUNS }, () => direct.run(the.agent, 'go'))),
    )
    const two = await timed(() => throughput(queued, RUNS))
    best.direct = { wall: Math.min(best.direct.wall, one.wall), cpu: Math.min(best.direct.cpu, one.cpu) }
    best.queued = { wall: Math.min(best.queued.wall, two.wall), cpu: Math.min(best.queued.cpu, two.cpu) }
  }
  const { p50, p99 } = await latency(queued, LATENCY_SAMPLES)
  console.log(
    `in-process queue: ${(1000 / best.queued.wall).toFixed(0)} runs/s; per run ${format(best.queued.wall)} vs runtime.run ${format(best.direct.wall)} (the queue, the run record and wait add ${format(best.queued.wall - best.direct.wall)}); CPU per run ${format(best.queued.cpu)} vs ${format(best.direct.cpu)} (adds ${format(best.queued.cpu - best.direct.cpu)}); submit to first event p50 ${format(p50)}, p99 ${format(p99)}`,
  )
  await queued.close()
}

const tablePrefixOf = (prefix: string) => `${prefix.replaceAll('-', '_')}_`

/** The storage of the BullMQ parts (every process of one part shares it). */
function storageOf(prefix: string) {
  return STORAGE === 'postgres'
    ? createPostgresStorage({ connectionString: DATABASE_URL, tablePrefix: tablePrefixOf(prefix) })
    : createRedisStorage({ url: REDIS_URL, prefix: `${prefix}:store:` })
}

async function dropTables(tablePrefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  const tables = await client.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE $1`,
    [`${tablePrefix}%`],
  )
  for (const { tablename } of tables.rows) await client.query(`DROP TABLE IF EXISTS "${tablename}" CASCADE`)
  await client.end()
}

/** A BullMQ worker process: `node bench/queue.ts worker <prefix>`. */
async function workerProcess(prefix: string): Promise<void> {
  const runtime = new Runtime({
    storage: storageOf(prefix),
    queue: createBullMqQueue({ url: REDIS_URL, prefix }),
    bus: createRedisEventBus({ url: REDIS_URL, prefix }),
    agents: [agent()],
    runner: { concurrency: WORKER_CONCURRENCY },
  })
  await runtime.work()
  process.stdout.write('ready\n')
  process.on('SIGTERM', () => {
    void runtime.close({ graceMs: 1000 }).then(() => process.exit(0))
  })
}

async function bullmq(workers: number): Promise<void> {
  const script = fileURLToPath(import.meta.url)
  // The ceiling first: BullMQ alone, empty processor, same processes, concurrency and job options.
  const rawPrefix = `agentloop-bench-raw-${process.pid}-${workers}`
  let children = await spawnWorkers(script, ['raw-worker', rawPrefix], workers)
  let ceiling: { rate: number; cpu: string }
  try {
    ceiling = await rawThroughput(REDIS_URL, rawPrefix, RUNS, children)
  } finally {
    await stopWorkers(children)
    await clearPrefix(REDIS_URL, rawPrefix)
  }
  const prefix = `agentloop-bench-${process.pid}-${workers}`
  children = await spawnWorkers(script, ['worker', prefix], workers)
  const storage = storageOf(prefix)
  const runtime = new Runtime({
    storage,
    queue: createBullMqQueue({ url: REDIS_URL, prefix }),
    bus: createRedisEventBus({ url: REDIS_URL, prefix }),
    agents: [agent()],
    runner: { worker: false },
  })
  try {
    await throughput(runtime, 100)
    const { result: rate, text: cpu } = await cpuPerRun(REDIS_URL, children, RUNS, () =>
      throughput(runtime, RUNS),
    )
    const { p50, p99 } = await latency(runtime, Math.min(LATENCY_SAMPLES, 200))
    const label = `BullMQ, ${workers} worker process${workers === 1 ? '' : 'es'} (concurrency ${WORKER_CONCURRENCY}, ${STORAGE} storage)`
    console.log(
      `${label}: ${rate.toFixed(0)} runs/s; submit to first event p50 ${format(p50)}, p99 ${format(p99)}`,
    )
    console.log(`  ${cpu}`)
    console.log(
      `  raw BullMQ ceiling (empty processor, no storage, no bus): ${ceiling.rate.toFixed(0)} jobs/s`,
    )
    console.log(`  ${ceiling.cpu}`)
  } finally {
    await stopWorkers(children)
    await runtime.close()
    await storage.close()
    await clearPrefix(REDIS_URL, prefix)
    if (STORAGE === 'postgres') await dropTables(tablePrefixOf(prefix))
  }
}

if (process.argv[2] === 'worker') {
  await workerProcess(process.argv[3] as string)
} else if (process.argv[2] === 'raw-worker') {
  await rawWorkerProcess(REDIS_URL, process.argv[3] as string, WORKER_CONCURRENCY)
} else {
  console.log(`runs of one model call, ${RUNS} per figure (RUNS=...)`)
  if (PARTS.includes('in-process')) await inProcess()
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
  const reachable = await redis
    .connect()
    .then(() => true)
    .catch(() => false)
  redis.disconnect()
  if (!reachable) console.log(`BullMQ: skipped, Redis is not reachable at ${REDIS_URL}`)
  else {
    if (PARTS.includes('bullmq-1')) await bullmq(1)
    if (PARTS.includes('bullmq-3')) await bullmq(3)
  }
}
