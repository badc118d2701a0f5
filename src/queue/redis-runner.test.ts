import { createBullMqQueue, createRedisEventBus, createRedisStorage } from 'agentloop/redis'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { REDIS_URL, serviceSkipReason } from '../../test/support/services.js'
import { RunCancelledError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { Runnable, RunnableContext } from '../run/runnable.js'
import { Runtime } from '../run/runtime.js'
import { jobIdOf } from './bullmq-queue.js'

const skip = await serviceSkipReason('Redis')
// one prefix per file run and per test: parallel files never share a queue or a channel
const base = `agentloop-runner-test-${process.pid}-${Date.now().toString(36)}`
let count = 0
const nextPrefix = () => `${base}-${++count}`

afterAll(async () => {
  if (skip !== undefined) return
  const redis = new Redis(REDIS_URL)
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 1000)
    if (keys.length > 0) await redis.del(...keys)
    cursor = next
  } while (cursor !== '0')
  await redis.quit()
})

/** Two runtimes as two processes would have them: one submits and watches, one works. */
function pair(runnables: Runnable[]) {
  const prefix = nextPrefix()
  const make = (worker: boolean) =>
    new Runtime({
      storage: createRedisStorage({ url: REDIS_URL, prefix: `${prefix}:store:` }),
      queue: createBullMqQueue({ url: REDIS_URL, prefix, stalledIntervalMs: 1000, lockDurationMs: 2000 }),
      bus: createRedisEventBus({ url: REDIS_URL, prefix }),
      runnables,
      runner: { worker, retryDelayMs: 1 },
    })
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
})
