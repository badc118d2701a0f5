/**
 * The cost of one checkpoint: `storage.runs.save()` of a realistic RunState (20 messages: a user
 * request, then assistant turns with text and a tool call, each answered by a tool result; about
 * 5 KB of JSON) with compare-and-set on the previous revision, as the run loop does after every
 * model response and tool result. Also with the step's events in the same atomic write.
 *
 * Backends: memory; SQLite in WAL mode with synchronous=FULL and NORMAL (a file in the OS temp
 * directory); PostgreSQL and Redis when reachable (DATABASE_URL / REDIS_URL, default 127.0.0.1).
 *
 * Run: npm run bench:storage   (builds dist/ first)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryStorage, type Message, type RunEvent, type RunState, type Storage } from 'agentloop'
import { createPostgresStorage } from 'agentloop/postgres'
import { createRedisStorage } from 'agentloop/redis'
import { createSqliteStorage } from 'agentloop/sqlite'

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

function runState(runId: string, turn: number): RunState {
  const messages: Message[] = [
    { role: 'user', content: 'Find three hotels in Lisbon under 150 EUR for May 3 to May 6.' },
  ]
  for (let index = 1; messages.length < 20; index++) {
    const callId = `call_${index}`
    messages.push({
      role: 'assistant',
      content: [
        {
          type: 'text',
          text: `Searching step ${index}: I will look at the availability and the prices of the hotels.`,
        },
        {
          type: 'tool-call',
          callId,
          name: 'search_hotels',
          arguments: `{"city":"Lisbon","page":${index},"maxPrice":150}`,
        },
      ],
    })
    messages.push({
      role: 'tool',
      callId,
      toolName: 'search_hotels',
      content: JSON.stringify(
        Array.from({ length: 3 }, (_, hotel) => ({
          name: `Hotel ${index}-${hotel}`,
          price: 90 + hotel * 20,
          rating: 4.2,
        })),
      ),
    })
  }
  return {
    version: 1,
    runId,
    agentName: 'travel',
    status: 'running',
    turn,
    messages,
    inputLength: 1,
    items: [],
    usage: {
      inputTokens: 1200 * turn,
      outputTokens: 80 * turn,
      totalTokens: 1280 * turn,
      modelCalls: turn,
      toolCalls: turn,
    },
    toolChoice: 'auto',
    outputRetries: 0,
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number
}

async function measure(storage: Storage, iterations: number, withEvents: boolean) {
  const runId = `bench-${withEvents ? 'events' : 'plain'}-${Date.now()}`
  let { revision } = await storage.runs.save({
    runId,
    agentName: 'travel',
    status: 'running',
    snapshot: runState(runId, 0),
    expectedRevision: null,
  })
  const times: number[] = []
  let seq = 0
  const warmup = Math.min(50, iterations / 10)
  for (let index = 0; index < iterations + warmup; index++) {
    const snapshot = runState(runId, index + 1)
    const events = withEvents
      ? ([
          {
            type: 'tool.end',
            runId,
            seq: ++seq,
            time: Date.now(),
            callId: 'c',
            toolName: 'search_hotels',
            isError: false,
          },
          { type: 'checkpoint.save', runId, seq: ++seq, time: Date.now() },
        ] as unknown as RunEvent[])
      : undefined
    const start = process.hrtime.bigint()
    const saved = await storage.runs.save({
      runId,
      agentName: 'travel',
      status: 'running',
      snapshot,
      expectedRevision: revision,
      ...(events === undefined ? {} : { events }),
    })
    const elapsed = Number(process.hrtime.bigint() - start) / 1000
    revision = saved.revision
    if (index >= warmup) times.push(elapsed)
  }
  await storage.runs.delete(runId)
  times.sort((left, right) => left - right)
  return { median: percentile(times, 0.5), p95: percentile(times, 0.95) }
}

const directory = mkdtempSync(join(tmpdir(), 'agentloop-bench-'))
const backends: { name: string; iterations: number; create: () => Storage }[] = [
  { name: 'memory', iterations: 5000, create: createMemoryStorage },
  {
    name: 'sqlite WAL synchronous=FULL',
    iterations: 2000,
    create: () => createSqliteStorage({ path: join(directory, 'full.db') }),
  },
  {
    name: 'sqlite WAL synchronous=NORMAL',
    iterations: 5000,
    create: () => createSqliteStorage({ path: join(directory, 'normal.db'), synchronous: 'NORMAL' }),
  },
  {
    name: 'postgres',
    iterations: 1000,
    create: () => createPostgresStorage({ connectionString: DATABASE_URL, tablePrefix: 'bench_' }),
  },
  {
    name: 'redis',
    iterations: 2000,
    create: () => createRedisStorage({ url: REDIS_URL, prefix: 'agentloop-bench:' }),
  },
]

const bytes = JSON.stringify(runState('x', 1)).length
console.log(
  `checkpoint = runs.save() of a RunState with 20 messages (${bytes} bytes of JSON), compare-and-set`,
)
console.log('backend                          snapshot only: median / p95 us   + 2 events: median / p95 us')
for (const backend of backends) {
  const storage = backend.create()
  try {
    const plain = await measure(storage, backend.iterations, false)
    const events = await measure(storage, backend.iterations, true)
    console.log(
      `${backend.name.padEnd(32)} ${plain.median.toFixed(1).padStart(10)} / ${plain.p95.toFixed(1).padEnd(18)} ${events.median
        .toFixed(1)
        .padStart(10)} / ${events.p95.toFixed(1)}`,
    )
  } catch (error) {
    console.log(`${backend.name.padEnd(32)} skipped: ${(error as Error).message}`)
  } finally {
    await storage.close()
  }
}
rmSync(directory, { recursive: true, force: true })
