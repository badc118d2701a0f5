// SSE resume with the run executed by a worker in another process: this process is the server
// (createServer over PostgreSQL storage, the BullMQ queue and the Redis event bus, executing
// nothing itself), a child process is the worker. A client reads the run's events, disconnects
// after event k while the run goes on in the worker, and reconnects with Last-Event-ID: k: it gets
// k+1… (from the stored log, then live over Redis) with no gap and no duplicate, up to run.end.
// Runs when PostgreSQL and Redis are reachable (always with CI=true).
import { type ChildProcess, spawn } from 'node:child_process'
import { Runtime } from 'agentloop'
import { createPostgresStorage } from 'agentloop/postgres'
import { createBullMqQueue, createRedisEventBus } from 'agentloop/redis'
import type { Storage } from 'agentloop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { root } from './support/build.js'
import { startServer } from './support/server.js'
import { DATABASE_URL, REDIS_URL, serviceSkipReason } from './support/services.js'
import { talker } from './support/sse-talker.js'
import { eventsOf, readSse } from './support/sse.js'
import { clearRedisPrefix, dropPostgresTables } from './support/backend-cleanup.js'

const skip = (await serviceSkipReason('PostgreSQL')) ?? (await serviceSkipReason('Redis'))
const id = `${process.pid}_${Date.now().toString(36)}`
const tablePrefix = `al_sse_${id}_`
const prefix = `agentloop-sse-${id}`

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/sse-worker.ts', DATABASE_URL, tablePrefix, REDIS_URL, prefix],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child)
    })
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready: ${stderr}`)))
  })
}

describe.skipIf(skip !== undefined)('server: SSE resume with the run executed by a worker process', () => {
  let storage: Storage
  let runtime: Runtime
  let worker: ChildProcess | undefined

  beforeAll(async () => {
    storage = createPostgresStorage({ connectionString: DATABASE_URL, tablePrefix })
    runtime = new Runtime({
      storage,
      agents: [talker()],
      queue: createBullMqQueue({ url: REDIS_URL, prefix }),
      bus: createRedisEventBus({ url: REDIS_URL, prefix }),
      runner: { worker: false },
    })
    // The first save creates the tables, before the worker starts.
    await storage.runs.list({ limit: 1 })
    worker = await startWorkerProcess()
  }, 60_000)

  afterAll(async () => {
    if (worker !== undefined && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((resolve) => worker?.once('exit', resolve))
      worker.kill('SIGTERM')
      await exited
    }
    await runtime?.close()
    await storage?.close()
    await dropPostgresTables(DATABASE_URL, tablePrefix)
    await clearRedisPrefix(REDIS_URL, prefix)
  }, 60_000)

  it('disconnect after event k, reconnect with Last-Event-ID: k: k+1… with no gap and no duplicate, live from the worker', async () => {
    const { request } = await startServer({ runtime, logger: { level: 'silent' } })
    const submitted = await request('/api/runs', { json: { agent: 'talker', input: 'talk' } })
    expect(submitted.status).toBe(202)
    const { runId } = await submitted.json()
    const k = 6
    const abort = new AbortController()
    const before = eventsOf(
      await readSse(await request(`/api/runs/${runId}/events`, { signal: abort.signal }), {
        abort,
        until: (_message, all) => eventsOf(all).length === k,
      }),
    )
    expect(before.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6])
    // Away for a while: the worker goes on storing and publishing events nobody reads.
    await new Promise((resolve) => setTimeout(resolve, 150))
    const meanwhile = await (await request(`/api/runs/${runId}`)).json()
    expect(meanwhile.status).toBe('running')
    const storedBefore = await storage.runs.lastEventSeq(runId)
    expect(storedBefore).toBeGreaterThan(k)
    const after = eventsOf(
      await readSse(await request(`/api/runs/${runId}/events`, { headers: { 'Last-Event-ID': String(k) } })),
    )
    expect(after[0]?.seq).toBe(k + 1)
    const all = [...before, ...after]
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1))
    for (const event of all) expect(event.id).toBe(String(event.seq))
    expect(all.at(-1)).toMatchObject({ type: 'run.end', status: 'completed' })
    // The run was still going when the client came back: the worker stored more after that.
    expect(all.length).toBeGreaterThan(storedBefore)
    // ...and the whole log is what the worker stored.
    expect((await storage.runs.readEvents(runId)).map((event) => event.seq)).toEqual(
      all.map((event) => event.seq),
    )
    // The worker process ran it, not this one.
    const run = await (await request(`/api/runs/${runId}`)).json()
    expect(run.output).toMatch(/pid:(\d+)$/)
    expect(run.output).toContain(`pid:${worker?.pid}`)
    expect(run.output).not.toContain(`pid:${process.pid}`)
  }, 60_000)
})
