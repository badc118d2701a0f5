/**
 * The raw BullMQ ceiling for bench/queue.ts: the same number of worker processes, the same worker
 * concurrency and the same job options as `createBullMqQueue`, but an empty processor, no storage
 * and no event bus. Jobs are added one by one (as `runtime.submit` does) and their completion is
 * seen through BullMQ's `QueueEvents`. What agentloop adds is the gap between this and the
 * runner's figure; what is left is Redis, BullMQ and the machine.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Queue, QueueEvents, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { clearRedisPrefix } from '../test/support/backend-cleanup.js'

const JOB_OPTIONS = { attempts: 1, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } }

/** A worker process with an empty processor: `node bench/queue.ts raw-worker <prefix> <concurrency>`. */
export async function rawWorkerProcess(url: string, prefix: string, concurrency: number): Promise<void> {
  const worker = new Worker('agentloop-runs', async () => undefined, {
    connection: new Redis(url, { maxRetriesPerRequest: null }),
    prefix,
    concurrency,
  })
  await worker.waitUntilReady()
  process.stdout.write('ready\n')
  process.on('SIGTERM', () => {
    void worker.close().then(() => process.exit(0))
  })
}

/** Spawns `workers` child processes of this script with the given arguments; resolves when each is ready. */
export async function spawnWorkers(script: string, args: string[], workers: number): Promise<ChildProcess[]> {
  const children: ChildProcess[] = []
  for (let index = 0; index < workers; index++) {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    })
    children.push(child)
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()))
  }
  return children
}

export async function stopWorkers(children: ChildProcess[]): Promise<void> {
  for (const child of children) child.kill('SIGTERM')
  await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))))
}

/** Deletes every key under the prefix. */
export const clearPrefix = clearRedisPrefix

/** Raw BullMQ jobs/s: add `runs` jobs one by one, wait until the workers completed them all. */
export async function rawThroughput(
  url: string,
  prefix: string,
  runs: number,
  workers: ChildProcess[],
): Promise<{ rate: number; cpu: string }> {
  // BullMQ does not close connections it is given: closed below.
  const connections = [
    new Redis(url, { maxRetriesPerRequest: null }),
    new Redis(url, { maxRetriesPerRequest: null }),
  ]
  const queue = new Queue('agentloop-runs', { connection: connections[0] as Redis, prefix })
  const events = new QueueEvents('agentloop-runs', {
    connection: connections[1] as Redis,
    prefix,
    // From the start of the stream: completions before its first read are not missed.
    lastEventId: '0',
  })
  await events.waitUntilReady()
  await queue.waitUntilReady()
  try {
    const measure = async (count: number, tag: string) => {
      let left = count
      const done = new Promise<void>((resolve) => {
        const onCompleted = ({ jobId }: { jobId: string }) => {
          if (!jobId.startsWith(tag)) return
          if (--left === 0) {
            events.off('completed', onCompleted)
            resolve()
          }
        }
        events.on('completed', onCompleted)
      })
      const started = performance.now()
      await Promise.all(
        Array.from({ length: count }, (_, index) =>
          queue.add(
            'run',
            { runId: `${tag}${index}`, name: 'one-call' },
            { ...JOB_OPTIONS, jobId: `${tag}${index}` },
          ),
        ),
      )
      await done
      return count / ((performance.now() - started) / 1000)
    }
    await measure(100, 'warm_')
    const { result, text } = await cpuPerRun(url, workers, runs, () => measure(runs, 'run_'))
    return { rate: result, cpu: text }
  } finally {
    await events.close()
    await queue.close()
    await Promise.all(connections.map((connection) => connection.quit()))
  }
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux); 0 elsewhere. */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}

/** The Redis server's CPU seconds so far (all clients: other work on the same server counts too). */
async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu')
  const read = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0)
  return read('used_cpu_user') + read('used_cpu_sys')
}

/** CPU per run of the submitting process, the worker processes and Redis, over one measured phase. */
export async function cpuPerRun<T>(
  url: string,
  workers: ChildProcess[],
  runs: number,
  phase: () => Promise<T>,
): Promise<{ result: T; text: string }> {
  const redis = new Redis(url)
  const before = {
    self: process.cpuUsage(),
    workers: workers.map((child) => cpuOf(child.pid ?? 0)),
    redis: await redisCpu(redis),
  }
  const result = await phase()
  const self = process.cpuUsage(before.self)
  const workerSeconds = workers.reduce(
    (sum, child, index) => sum + cpuOf(child.pid ?? 0) - (before.workers[index] ?? 0),
    0,
  )
  const redisSeconds = (await redisCpu(redis)) - before.redis
  await redis.quit()
  const us = (seconds: number) => ((seconds * 1e6) / runs).toFixed(0)
  const selfSeconds = (self.user + self.system) / 1e6
  const total = selfSeconds + workerSeconds + redisSeconds
  return {
    result,
    text: `CPU per run: submitter ${us(selfSeconds)} us, workers ${us(workerSeconds)} us, Redis ${us(redisSeconds)} us (all: ${us(total)} us, at most ${(2 / (total / runs)).toFixed(0)} runs/s on 2 idle cores)`,
  }
}
