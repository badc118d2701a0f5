/**
 * The queue between `runtime.submit` and the workers. The in-process queue (the default) runs
 * jobs in this process with bounded concurrency; `createBullMqQueue` (`agentloop/redis`) shares
 * them between processes and machines. A job names a stored run: the run record (status
 * `queued`) is the truth, the job only says "someone should execute it".
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { RunCheckpoint } from '../storage/run-repository.js'

/** One job: the run to execute, and its per-run limits. */
export interface QueuedRun {
  runId: string
  /** The runnable's name. */
  name: string
  /** The run's timeout in milliseconds (default: the runtime's). */
  timeoutMs?: number
  /** Retries after a failure (default: the runtime's). */
  retries?: number
  /**
   * The submitter's W3C trace context (`traceparent`, `tracestate`), when the runtime has a
   * tracing observer: the worker runs the job in it, so the run is a child of the submitting span.
   */
  trace?: Record<string, string>
  /**
   * What `submit` saved (the `queued` record and snapshot), so that the first worker to take the
   * job starts without reading it back (its input as JSON up to 64 KiB; larger ones are read). A
   * job taken again (a stalled job, one handed back) must come without it. A copy that is out of
   * date is harmless: the worker's first write is a compare-and-set on its revision, and conflicts.
   */
  start?: RunCheckpoint
}

/**
 * Executes one job; resolves with `done` when the run is over (or was not this worker's to run), or
 * with `requeue` when this worker stops and leaves the run at its checkpoint for another worker.
 */
export type RunHandler = (job: QueuedRun) => Promise<'done' | 'requeue'>

/** A queue of runs. */
export interface RunQueue {
  /** `memory` or `bullmq`. */
  readonly backend: string
  /** Whether jobs can reach other processes (then the run context cannot travel with them). */
  readonly distributed: boolean
  /** Adds a job. */
  enqueue(job: QueuedRun): Promise<void>
  /** Starts taking jobs, at most `concurrency` at once. */
  process(handler: RunHandler, options: { concurrency: number }): Promise<void>
  /** Whether the queue holds a job for the run (waiting, or taken by a live worker). */
  has(runId: string): Promise<boolean>
  /** Removes a job no worker has taken yet; false when there was none. */
  remove(runId: string): Promise<boolean>
  /** Stops taking jobs; waits for the handlers running (they finish or checkpoint). */
  close(): Promise<void>
}

/** Options of {@link createInProcessQueue}. */
export interface InProcessQueueOptions {
  /** Jobs waiting beyond this make `enqueue` fail with a `ConfigError` (default 100,000). */
  maxWaiting?: number
}

/** The default queue: jobs run in this process, first in, first out. */
export function createInProcessQueue(options: InProcessQueueOptions = {}): RunQueue {
  const maxWaiting = options.maxWaiting ?? 100_000
  if (!Number.isInteger(maxWaiting) || maxWaiting < 1) {
    throw new ConfigError({
      message: `createInProcessQueue: maxWaiting must be a positive integer; got ${String(maxWaiting)}.`,
    })
  }
  const waiting: QueuedRun[] = []
  let head = 0
  const running = new Set<Promise<unknown>>()
  const taken = new Set<string>()
  let handler: RunHandler | undefined
  let concurrency = 0
  let closed = false
  const pump = () => {
    while (handler !== undefined && !closed && running.size < concurrency && head < waiting.length) {
      const job = waiting[head] as QueuedRun
      waiting[head++] = undefined as unknown as QueuedRun
      if (head > 1024 && head * 2 > waiting.length) {
        waiting.splice(0, head)
        head = 0
      }
      taken.add(job.runId)
      const task: Promise<unknown> = handler(job)
        .catch(() => {
          // The handler records the run's failure itself; the queue only keeps going.
        })
        .finally(() => {
          taken.delete(job.runId)
          running.delete(task)
          pump()
        })
      running.add(task)
    }
  }
  return {
    backend: 'memory',
    distributed: false,
    async enqueue(job) {
      if (closed) throw new ConfigError({ message: 'The run queue is closed; no run can be submitted.' })
      if (waiting.length - head >= maxWaiting) {
        throw new ConfigError({
          message: `The in-process run queue holds ${maxWaiting} waiting runs (its maxWaiting); submit fewer at once or raise maxWaiting.`,
        })
      }
      waiting.push(job)
      pump()
    },
    async process(next, processOptions) {
      handler = next
      concurrency = processOptions.concurrency
      pump()
    },
    async has(runId) {
      if (taken.has(runId)) return true
      for (let index = head; index < waiting.length; index++) if (waiting[index]?.runId === runId) return true
      return false
    },
    async remove(runId) {
      for (let index = head; index < waiting.length; index++) {
        if (waiting[index]?.runId === runId) {
          waiting.splice(index, 1)
          return true
        }
      }
      return false
    },
    async close() {
      closed = true
      while (running.size > 0) await Promise.allSettled([...running])
    },
  }
}
