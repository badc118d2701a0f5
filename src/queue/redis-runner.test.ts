import { createBullMqQueue, createRedisEventBus, createRedisStorage } from 'agentloop/redis'
import { afterAll, describe, expect, it } from 'vitest'
import { REDIS_URL, serviceSkipReason } from '../../test/support/services.js'
import { RunCancelledError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { Runnable, RunnableContext } from '../run/runnable.js'
import { Agent } from '../agent/agent.js'
import { Runtime } from '../run/runtime.js'
import { scriptedModel } from '../testing/scripted-model.js'
import type { QueuedRun } from '../run/run-queue.js'
import type { Storage } from '../storage/storage.js'
import { jobIdOf, runOfJob } from './bullmq-queue.js'
import { clearRedisPrefix } from '../../test/support/backend-cleanup.js'

const skip = await serviceSkipReason('Redis')
// one prefix per file run and per test: parallel files never share a queue or a channel
const base = `agentloop-runner-test-${process.pid}-${Date.now().toString(36)}`
let count = 0
const nextPrefix = () => `${base}-${++count}`

afterAll(async () => {
  if (skip !== undefined) return
  await clearRedisPrefix(REDIS_URL, base)
})

/** Counts the calls of each `storage.runs` method. */
function countReads(storage: Storage): Record<string, number> {
  const counts: Record<string, number> = {}
  const runs = storage.runs as unknown as Record<string, unknown>
  for (const name of ['get', 'load', 'lastEventSeq', 'readEvents', 'save', 'appendEvents']) {
    const method = runs[name] as (...args: unknown[]) => unknown
    runs[name] = (...args: unknown[]) => {
      counts[name] = (counts[name] ?? 0) + 1
      return method.apply(storage.runs, args)
    }
  }
  return counts
}

/** Two runtimes as two processes would have them: one submits and watches, one works. */
function pair(runnables: Runnable[], storages: Storage[] = []) {
  const prefix = nextPrefix()
  const make = (worker: boolean) => {
    const storage = createRedisStorage({ url: REDIS_URL, prefix: `${prefix}:store:` })
    storages[worker ? 1 : 0] = storage
    return new Runtime({
      storage,
      queue: createBullMqQueue({ url: REDIS_URL, prefix, stalledIntervalMs: 1000, lockDurationMs: 2000 }),
      bus: createRedisEventBus({ url: REDIS_URL, prefix }),
      runnables,
      runner: { worker, retryDelayMs: 1 },
    })
  }
  return { server: make(false), worker: make(true) }
}

async function collect(iterable: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const events: RunEvent[] = []
  for await (const event of iterable) events.push(event)
  return events
}

describe.skipIf(skip !== undefined)('BullMQ queue and Redis event bus', () => {
  it('a run submitted in one runtime runs in another; events reach the first, gap-free', async () => {
    const { server, worker } = pair([
      {
        name: 'count',
        async run(ctx: RunnableContext) {
          for (let index = 0; index < 5; index++) await ctx.emit('tick', index)
          return 'counted'
        },
      },
    ])
    try {
      await worker.work()
      const { runId } = await server.submit('count', 'go')
      const [events, result] = await Promise.all([collect(server.events(runId)), server.wait(runId)])
      expect(result.output).toBe('counted')
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
      expect(events.map((event) => event.type)).toEqual([
        'run.start',
        'custom',
        'custom',
        'custom',
        'custom',
        'custom',
        'run.end',
      ])
    } finally {
      await Promise.all([server.close(), worker.close()])
    }
  })

  it('cancel from the submitting runtime stops the run in the worker within a second', async () => {
    let started = () => {}
    const running = new Promise<void>((resolve) => {
      started = resolve
    })
    const { server, worker } = pair([
      {
        name: 'forever',
        run: ({ signal }: RunnableContext) =>
          new Promise((_, reject) => {
            started()
            signal.addEventListener('abort', () => reject(signal.reason))
          }),
      },
    ])
    try {
      await worker.work()
      const { runId } = await server.submit('forever', 'go')
      await running
      const began = Date.now()
      await server.cancel(runId)
      await expect(server.wait(runId)).rejects.toThrow(RunCancelledError)
      expect(Date.now() - began).toBeLessThan(1000)
    } finally {
      await Promise.all([server.close(), worker.close()])
    }
  })

  it('refuses a run context through a distributed queue, and makes job ids BullMQ accepts', async () => {
    const { server, worker } = pair([{ name: 'a', run: () => 1 }])
    try {
      await expect(server.submit('a', 'x', { context: { secret: 1 } })).rejects.toThrow(/cannot travel/)
      expect(jobIdOf('tenant:42')).toBe('run_tenant%3A42')
      expect(jobIdOf('7')).toBe('run_7')
      const { runId } = await server.submit('a', 'x', { runId: 'tenant:7' })
      await worker.work()
      expect((await server.wait(runId)).output).toBe(1)
    } finally {
      await Promise.all([server.close(), worker.close()])
    }
  })

  it('a worker starts a job from what submit saved; wait reads the status once, the result comes with the run.end', async () => {
    const storages: Storage[] = []
    const { server, worker } = pair(
      [{ name: 'echo', run: (ctx: RunnableContext) => ctx.input.length }],
      storages,
    )
    const [serverReads, workerReads] = storages.map(countReads) as [
      Record<string, number>,
      Record<string, number>,
    ]
    try {
      await worker.work()
      const { runId } = await server.submit('echo', 'go')
      expect((await server.wait(runId)).output).toBe(1)
      // The worker writes (claim, end) and reads nothing: the job carried the queued run.
      expect(workerReads.load ?? 0).toBe(0)
      expect(workerReads.lastEventSeq ?? 0).toBe(0)
      // wait: the status once; the result came with the run.end (no checkpoint read); no event log.
      expect(serverReads.get).toBe(1)
      expect(serverReads.load ?? 0).toBe(0)
      expect(serverReads.readEvents ?? 0).toBe(0)
      expect(serverReads.lastEventSeq ?? 0).toBe(0)
    } finally {
      await Promise.all([server.close(), worker.close()])
      await Promise.all(storages.map((storage) => storage.close()))
    }
  })

  it('a job taken again (stalled, or handed back) comes without what submit saved', () => {
    const data: QueuedRun = {
      runId: 'r1',
      name: 'echo',
      start: {
        record: {
          runId: 'r1',
          kind: 'agent',
          agentName: 'echo',
          status: 'queued',
          revision: 1,
          createdAt: 1,
          updatedAt: 1,
        },
        snapshot: { version: 1 },
        parts: [],
      },
    }
    expect(runOfJob({ data, attemptsStarted: 1, stalledCounter: 0 }).start).toBeDefined()
    expect(runOfJob({ data, attemptsStarted: 2, stalledCounter: 0 })).toEqual({ runId: 'r1', name: 'echo' })
    expect(runOfJob({ data, attemptsStarted: 1, stalledCounter: 1 })).toEqual({ runId: 'r1', name: 'echo' })
  })

  it('an agent run: the result told with its run.end equals the stored one; a large one is read from storage', async () => {
    const storages: Storage[] = []
    const prefix = nextPrefix()
    const make = (worker: boolean, text: string) => {
      const storage = createRedisStorage({ url: REDIS_URL, prefix: `${prefix}:store:` })
      storages.push(storage)
      return new Runtime({
        storage,
        queue: createBullMqQueue({ url: REDIS_URL, prefix }),
        bus: createRedisEventBus({ url: REDIS_URL, prefix }),
        agents: [new Agent({ name: 'talk', model: scriptedModel([{ text }, { text }]) })],
        runner: { worker },
      })
    }
    const large = 'x'.repeat(70_000)
    const server = make(false, '')
    const worker = make(true, 'short')
    const serverReads = countReads(storages[0] as Storage)
    try {
      await worker.work()
      const { runId } = await server.submit('talk', 'hello')
      const told = await server.wait(runId)
      expect(told.output).toBe('short')
      expect(serverReads.load ?? 0).toBe(0)
      // The run has ended: a second wait reads the stored run, and finds the same result.
      const stored = await server.wait(runId)
      expect(serverReads.load).toBe(1)
      expect(stored).toEqual(told)
      await worker.close()
      // A result over 64 KiB of JSON does not travel: wait reads it from storage.
      const bigWorker = make(true, large)
      await bigWorker.work()
      const second = await server.submit('talk', 'hello')
      expect((await server.wait(second.runId)).output).toBe(large)
      expect(serverReads.load).toBe(2)
      await bigWorker.close()
    } finally {
      await Promise.all([server.close(), worker.close()])
      await Promise.all(storages.map((storage) => storage.close()))
    }
  })

  it('a run nobody follows stores its events with its checkpoints; a followed one stores them as they come', async () => {
    const storages: Storage[] = []
    const prefix = nextPrefix()
    const make = (worker: boolean) => {
      const storage = createRedisStorage({ url: REDIS_URL, prefix: `${prefix}:store:` })
      storages.push(storage)
      return new Runtime({
        storage,
        queue: createBullMqQueue({ url: REDIS_URL, prefix }),
        bus: createRedisEventBus({ url: REDIS_URL, prefix }),
        agents: [new Agent({ name: 'talk', model: scriptedModel([{ text: 'a' }, { text: 'b' }]) })],
        runner: { worker },
      })
    }
    const server = make(false)
    const worker = make(true)
    const workerWrites = countReads(storages[1] as Storage)
    try {
      await worker.work()
      const before = { ...workerWrites }
      const alone = await server.submit('talk', 'hello')
      expect((await server.wait(alone.runId)).status).toBe('completed')
      expect((workerWrites.appendEvents ?? 0) - (before.appendEvents ?? 0)).toBe(0)
      expect((workerWrites.save ?? 0) - (before.save ?? 0)).toBe(2) // the claim and the end
      // A follower that subscribed before the run started: events are stored and told as they come.
      const runId = 'followed-run'
      const following = collect(server.events(runId))
      await new Promise((resolve) => setTimeout(resolve, 50))
      await server.submit('talk', 'hello', { runId })
      const events = await following
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
      expect(events.at(-1)?.type).toBe('run.end')
      expect(workerWrites.appendEvents ?? 0).toBeGreaterThan(0)
    } finally {
      await Promise.all([server.close(), worker.close()])
      await Promise.all(storages.map((storage) => storage.close()))
    }
  })

  it('a follower that arrives after the worker counted none still gets every event, gap-free and promptly', async () => {
    const { server, worker } = pair([
      {
        name: 'slow',
        async run(ctx: RunnableContext) {
          await ctx.emit('tick', 1)
          await new Promise((resolve) => setTimeout(resolve, 300))
          await ctx.emit('tock', 2)
          return 'ok'
        },
      },
    ])
    try {
      await worker.work()
      const { runId } = await server.submit('slow', 'go')
      await new Promise((resolve) => setTimeout(resolve, 100))
      const began = Date.now()
      const events = await collect(server.events(runId))
      expect(Date.now() - began).toBeLessThan(1500)
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
      expect(events.filter((event) => event.type === 'custom')).toHaveLength(2)
      expect(events.at(-1)?.type).toBe('run.end')
    } finally {
      await Promise.all([server.close(), worker.close()])
    }
  })
})
