/**
 * The run queue on BullMQ (Redis): jobs shared by every worker process on every machine. A job
 * names a stored run; its id is derived from the run id (BullMQ ids may not contain `:` nor be an
 * integer), so submitting the same run twice queues it once. A worker that dies mid-run loses its
 * job lock; BullMQ's stalled-job check gives the job to another worker, which resumes the run from
 * its checkpoint (the run record, not the job, holds the progress). Retries are the runtime's, not
 * BullMQ's (`attempts: 1`): each one continues from the checkpoint.
 *
 * @module
 */
import type { Job, Queue, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { ConfigError } from '../errors/errors.js'
import type { QueuedRun, RunHandler, RunQueue } from '../run/run-queue.js'
import { RedisClient } from '../storage/redis/ioredis-module.js'

/** BullMQ loads on first use, so `agentloop/redis` storage works without it installed. */
let bullmq: Promise<typeof import('./bullmq-module.js')> | undefined
const loadBullMq = () => {
  bullmq ??= import('./bullmq-module.js')
  return bullmq
}

/** Options of {@link createBullMqQueue}. */
export interface BullMqQueueOptions {
  /** `redis://host:6379` (often `process.env.REDIS_URL`); or give `connection`. */
  url?: string
  /** An ioredis client to copy the connection from (BullMQ opens its own connections from it). */
  connection?: Redis
  /** The queue's name (default `agentloop-runs`). */
  name?: string
  /** The Redis key prefix (default `agentloop`): one per deployment, or per test. */
  prefix?: string
  /**
   * How long a worker's lock on a job lasts without renewal, in milliseconds (default 30,000).
   * A worker that dies holds its runs this long before another one takes them over.
   */
  lockDurationMs?: number
  /** How often workers look for stalled jobs, in milliseconds (default 30,000). */
  stalledIntervalMs?: number
  /** How many times a job may stall (its worker died) before it fails (default 5). */
  maxStalledCount?: number
}

/** Creates the BullMQ queue (`agentloop/redis`; needs the optional peers `bullmq` and `ioredis`). */
export function createBullMqQueue(options: BullMqQueueOptions = {}): RunQueue {
  if (options.url === undefined && options.connection === undefined) {
    throw new ConfigError({
      message:
        "createBullMqQueue: give url (such as 'redis://127.0.0.1:6379', often process.env.REDIS_URL) or an ioredis connection.",
    })
  }
  const name = options.name ?? 'agentloop-runs'
  if (name.includes(':')) {
    throw new ConfigError({ message: `createBullMqQueue: name may not contain ':'; got "${name}".` })
  }
  const prefix = options.prefix ?? 'agentloop'
  const connect = () =>
    options.connection !== undefined
      ? options.connection.duplicate({ maxRetriesPerRequest: null })
      : new RedisClient(options.url as string, { maxRetriesPerRequest: null })
  const connections: Redis[] = []
  const open = () => {
    const connection = connect()
    connections.push(connection)
    return connection
  }
  let queue: Queue | undefined
  let opening: Promise<Queue> | undefined
  // One Queue however many calls race for the first one.
  const queueOf = () => {
    opening ??= loadBullMq().then(({ BullQueue }) => {
      queue = new BullQueue(name, { connection: open(), prefix })
      return queue
    })
    return opening
  }
  let worker: Worker | undefined
  return {
    backend: 'bullmq',
    distributed: true,
    async enqueue(job) {
      await (await queueOf()).add('run', job, {
        jobId: jobIdOf(job.runId),
        attempts: 1,
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      })
    },
    async process(handler: RunHandler, processOptions) {
      if (worker !== undefined) return
      const { BullWorker, BullDelayedError } = await loadBullMq()
      worker = new BullWorker(
        name,
        async (job: Job<QueuedRun>, token?: string) => {
          const outcome = await handler(runOfJob(job))
          if (outcome === 'requeue') {
            // This worker stops: hand the job back at once, for another worker to resume the run.
            await job.moveToDelayed(Date.now(), token)
            throw new BullDelayedError()
          }
        },
        {
          connection: open(),
          prefix,
          concurrency: processOptions.concurrency,
          lockDuration: options.lockDurationMs ?? 30_000,
          stalledInterval: options.stalledIntervalMs ?? 30_000,
          maxStalledCount: options.maxStalledCount ?? 5,
        },
      )
      worker.on('error', () => {
        // Connection errors are retried by ioredis; a run's own failure is stored by the runner.
      })
      await worker.waitUntilReady()
    },
    async has(runId) {
      const job = await (await queueOf()).getJob(jobIdOf(runId))
      if (job === undefined || job === null) return false
      const state = await job.getState()
      return state !== 'completed' && state !== 'failed' && state !== 'unknown'
    },
    async remove(runId) {
      const job = await (await queueOf()).getJob(jobIdOf(runId))
      if (job === undefined || job === null) return false
      const state = await job.getState()
      if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false
      await job.remove().catch(() => {})
      return true
    },
    async close() {
      await worker?.close()
      await queue?.close()
      await Promise.all(connections.map((connection) => connection.quit().catch(() => {})))
    },
  }
}

/**
 * The run a job names. What submit saved (`start`) is for the first worker that takes the job:
 * one taken again (its worker died and it stalled, or it was handed back) reads the run from
 * storage, where the previous worker's progress is.
 */
export function runOfJob(
  job: Pick<Job<QueuedRun>, 'data' | 'attemptsStarted' | 'stalledCounter'>,
): QueuedRun {
  if (job.attemptsStarted <= 1 && job.stalledCounter === 0) return job.data
  const { start: _start, ...run } = job.data
  return run
}

/** A BullMQ job id for a run id: no `:` and never an integer. */
export function jobIdOf(runId: string): string {
  return `run_${runId.replaceAll('%', '%25').replaceAll(':', '%3A')}`
}
