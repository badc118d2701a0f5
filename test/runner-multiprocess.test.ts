import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build as bundle } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunCancelledError } from '../src/errors/errors.js'
import { createBullMqQueue } from '../src/queue/bullmq-queue.js'
import { createRedisEventBus } from '../src/queue/redis-event-bus.js'
import type { RunResult } from '../src/run/run-result.js'
import { Runtime } from '../src/run/runtime.js'
import { createPostgresStorage } from '../src/storage/postgres/create-postgres-storage.js'
import type { Storage } from '../src/storage/storage.js'
import { root } from './support/build.js'
import { ledgerAgent, sleeper } from './support/runner-agent.js'
import { DATABASE_URL, REDIS_URL, serviceSkipReason } from './support/services.js'
import { clearRedisPrefix, dropPostgresTables } from './support/backend-cleanup.js'

/**
 * Many processes, real services: three worker processes take runs from BullMQ on Redis and store
 * them in PostgreSQL; this process submits 200 agent runs with tools, SIGKILLs one worker while it
 * runs some, and checks that every run completes (a run killed inside its non-idempotent tool is
 * reviewed and rejected, as a human would), that no charge is made twice, and that every event log
 * is gap-free. A cancel from this process stops a run in a worker within a second.
 */
const skip = (await serviceSkipReason('PostgreSQL')) ?? (await serviceSkipReason('Redis'))
const RUNS = 200
const id = `${process.pid}_${Date.now().toString(36)}`
const tablePrefix = `al_mp_${id}_`
const prefix = `agentloop-mp-${id}`
const dir = mkdtempSync(join(tmpdir(), 'agentloop-runner-'))
const ledger = join(dir, 'ledger.txt')
const script = join(root, 'node_modules', '.cache', `runner-worker-${process.pid}.mjs`)

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, DATABASE_URL, tablePrefix, REDIS_URL, prefix, ledger], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
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

describe.skipIf(skip !== undefined)('runner across processes (PostgreSQL, BullMQ, Redis pub/sub)', () => {
  const workers: ChildProcess[] = []
  let storage: Storage
  let server: Runtime

  beforeAll(async () => {
    await bundle({
      entryPoints: [join(root, 'test/support/runner-worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: script,
      logLevel: 'silent',
    })
    storage = createPostgresStorage({ connectionString: DATABASE_URL, tablePrefix })
    server = new Runtime({
      storage,
      agents: [ledgerAgent(ledger)],
      runnables: [sleeper],
      queue: createBullMqQueue({ url: REDIS_URL, prefix }),
      bus: createRedisEventBus({ url: REDIS_URL, prefix }),
      runner: { worker: false },
    })
    // The first save creates the tables: before three workers race to do it.
    await storage.runs.list({ limit: 1 })
    workers.push(...(await Promise.all([startWorkerProcess(), startWorkerProcess(), startWorkerProcess()])))
  }, 60_000)

  afterAll(async () => {
    for (const worker of workers)
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGTERM')
    await Promise.all(
      workers.map((worker) =>
        worker.exitCode !== null || worker.signalCode !== null
          ? undefined
          : new Promise((resolve) => worker.once('exit', resolve)),
      ),
    )
    await server?.close()
    await storage?.close()
    await dropPostgresTables(DATABASE_URL, tablePrefix)
    await clearRedisPrefix(REDIS_URL, prefix)
    rmSync(dir, { recursive: true, force: true })
    if (existsSync(script)) rmSync(script)
  }, 60_000)

  it(`completes ${RUNS} runs over 3 workers with one SIGKILLed mid-run: no double charge, gap-free logs`, async () => {
    const began = Date.now()
    const runIds = (
      await Promise.all(Array.from({ length: RUNS }, () => server.submit('shop', 'Buy the book.')))
    ).map((submitted) => submitted.runId)
    let completed = 0
    const reviewed: string[] = []
    const finish = async (runId: string): Promise<RunResult<unknown>> => {
      let result = await server.wait(runId)
      if (result.status === 'needs_review') {
        // Killed inside the charge: a human checks the payment provider and rejects a second try.
        reviewed.push(runId)
        result = await server.resume(runId, {
          approvals: result.interruptions.map((entry) => ({ callId: entry.callId, approve: false })),
        })
      }
      completed++
      return result
    }
    const results = Promise.all(runIds.map(finish))
    // Kill the first worker once runs are under way everywhere.
    while (completed < 30) await new Promise((resolve) => setTimeout(resolve, 10))
    const victim = workers[0] as ChildProcess
    victim.kill('SIGKILL')
    const finished = await results
    const wallMs = Date.now() - began

    expect(finished.map((result) => result.status)).toEqual(runIds.map(() => 'completed'))
    const charges = readFileSync(ledger, 'utf8').trim().split('\n')
    const keys = charges.map((line) => line.split(' ').slice(0, 2).join(' '))
    expect(new Set(keys).size).toBe(keys.length)
    const charged = new Set(charges.map((line) => line.split(' ')[0]))
    for (const runId of runIds) if (!reviewed.includes(runId)) expect(charged.has(runId)).toBe(true)
    for (const runId of runIds) {
      const events = await storage.runs.readEvents(runId)
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
      expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'completed' })
    }
    const resumed = (
      await Promise.all(
        runIds.map(async (runId) =>
          (await storage.runs.readEvents(runId)).some((event) => event.type === 'run.start' && event.resumed),
        ),
      )
    ).filter(Boolean).length
    console.log(
      `runner multi-process: ${RUNS} runs in ${wallMs} ms over 3 workers (1 SIGKILLed); ${resumed} resumed elsewhere, ${reviewed.length} reviewed, ${charges.length} charges, 0 duplicates`,
    )
    expect(victim.signalCode).toBe('SIGKILL')
  }, 120_000)

  it('cancel from this process stops a run in a worker process within a second', async () => {
    const { runId } = await server.submit('sleeper', 'wait')
    while ((await storage.runs.get(runId))?.status !== 'running')
      await new Promise((resolve) => setTimeout(resolve, 10))
    const began = Date.now()
    await server.cancel(runId)
    await expect(server.wait(runId)).rejects.toThrow(RunCancelledError)
    expect(Date.now() - began).toBeLessThan(1000)
    expect((await storage.runs.get(runId))?.status).toBe('cancelled')
  }, 30_000)
})
