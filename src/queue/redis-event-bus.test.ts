import { createRedisEventBus } from 'agentloop/redis'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { REDIS_URL, serviceSkipReason } from '../../test/support/services.js'
import type { RunEvent } from '../events/run-event.js'
import type { RunEndNotice } from '../run/event-bus.js'
import { endNotice, MAX_END_RESULT_JSON } from './redis-event-bus.js'

const skip = await serviceSkipReason('Redis')
const base = `agentloop-bus-test-${process.pid}-${Date.now().toString(36)}`
let count = 0
const nextPrefix = () => `${base}-${++count}`

const usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 }
const event = (runId: string, seq: number, type = 'custom'): RunEvent =>
  (type === 'run.end'
    ? { type, runId, seq, time: 1, status: 'completed', usage, turns: 0 }
    : { type, runId, seq, time: 1, name: 'tick' }) as RunEvent
const runEnd = (runId: string, seq: number) => event(runId, seq, 'run.end') as RunEndNotice['event']

/** Resolves once `check` holds (polling every 10 ms, at most 2 s). */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('endNotice', () => {
  it('carries the result up to MAX_END_RESULT_JSON characters of JSON, and never one that is not JSON', () => {
    const end = runEnd('r1', 3)
    expect(JSON.parse(endNotice(end, { result: { output: 'ok' } }))).toEqual({
      event: end,
      result: { output: 'ok' },
    })
    expect(JSON.parse(endNotice(end, undefined))).toEqual({ event: end })
    const large = { output: 'x'.repeat(MAX_END_RESULT_JSON) }
    expect(JSON.parse(endNotice(end, { result: large }))).toEqual({ event: end })
    expect(JSON.parse(endNotice(end, { result: { big: 1n } }))).toEqual({ event: end })
  })
})

describe.skipIf(skip !== undefined)('Redis event bus: end channel and followers', () => {
  it('an end waiter hears only the run.end, with the result; a follower hears every event', async () => {
    const prefix = nextPrefix()
    const worker = createRedisEventBus({ url: REDIS_URL, prefix })
    const server = createRedisEventBus({ url: REDIS_URL, prefix })
    try {
      const notices: RunEndNotice[] = []
      const followed: RunEvent[] = []
      const stopEnd = await server.subscribeEnd?.('r1', (notice) => notices.push(notice))
      const stopFollow = await server.subscribe('r1', (each) => followed.push(each))
      worker.publish('r1', [event('r1', 1), event('r1', 2)])
      worker.publish('r1', [runEnd('r1', 3)], { result: { output: 'done' } })
      await until(() => notices.length === 1 && followed.length === 3)
      expect(notices).toEqual([{ event: runEnd('r1', 3), result: { output: 'done' } }])
      expect(followed.map((each) => each.seq)).toEqual([1, 2, 3])
      stopEnd?.()
      stopFollow()
    } finally {
      await Promise.all([worker.close(), server.close()])
    }
  })

  it('watched: true until Redis answers, then whether any process follows the run (end waiters do not count)', async () => {
    const prefix = nextPrefix()
    const worker = createRedisEventBus({ url: REDIS_URL, prefix })
    const server = createRedisEventBus({ url: REDIS_URL, prefix })
    try {
      await server.subscribeEnd?.('lonely', () => {})
      expect(worker.watched?.('lonely')).toBe(true) // not known yet
      await until(() => worker.watched?.('lonely') === false)
      // watch: known once it resolves
      await worker.watch?.('alone')
      expect(worker.watched?.('alone')).toBe(false)
      await server.subscribe('followed', () => {})
      worker.watched?.('followed')
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(worker.watched?.('followed')).toBe(true)
      // A follower in the same process counts at once.
      await worker.subscribe('local', () => {})
      expect(worker.watched?.('local')).toBe(true)
    } finally {
      await Promise.all([worker.close(), server.close()])
    }
  })

  it('a run nobody follows publishes no events on its channel, only its run.end on the end channel', async () => {
    const prefix = nextPrefix()
    const worker = createRedisEventBus({ url: REDIS_URL, prefix })
    const server = createRedisEventBus({ url: REDIS_URL, prefix })
    const spy = new Redis(REDIS_URL)
    try {
      const published: string[] = []
      await spy.psubscribe(`${prefix}:*`)
      spy.on('pmessage', (_pattern: string, channel: string) => published.push(channel))
      const notices: RunEndNotice[] = []
      await server.subscribeEnd?.('r2', (notice) => notices.push(notice))
      await worker.watch?.('r2')
      worker.publish('r2', [event('r2', 1)])
      worker.publish('r2', [runEnd('r2', 2)], { result: 7 })
      await until(() => notices.length === 1)
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(notices[0]?.result).toBe(7)
      expect(published).toEqual([`${prefix}:run-end:r2`])
    } finally {
      await spy.quit()
      await Promise.all([worker.close(), server.close()])
    }
  })
})
