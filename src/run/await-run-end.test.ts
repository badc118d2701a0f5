import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { RunCheckpoint } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import { awaitRunEnd, type RunEnding } from './await-run-end.js'
import { createInProcessEventBus, type EventBus, type RunEndNotice } from './event-bus.js'

const usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 }

async function queued(storage: Storage, runId: string): Promise<number> {
  const saved = await storage.runs.save({
    runId,
    kind: 'agent',
    agentName: 'a',
    status: 'queued',
    snapshot: { version: 1 },
    expectedRevision: null,
  })
  return saved.revision
}

/** Stores the run's end, then (when a bus is given) tells it: the order the runner keeps. */
async function end(storage: Storage, runId: string, revision: number, bus?: EventBus): Promise<void> {
  const runEnd = { type: 'run.end', runId, seq: 1, time: Date.now(), status: 'completed', usage, turns: 0 }
  await storage.runs.save({
    runId,
    kind: 'agent',
    agentName: 'a',
    status: 'completed',
    snapshot: { version: 1, done: true },
    expectedRevision: revision,
    events: [runEnd as RunEvent],
  })
  bus?.publish(runId, [runEnd as RunEvent])
}

/** The stored checkpoint awaitRunEnd resolved with (these buses send no result). */
async function stored(ending: Promise<RunEnding>): Promise<RunCheckpoint> {
  const value = await ending
  if (!('checkpoint' in value)) throw new Error('expected the stored checkpoint')
  return value.checkpoint
}

/** A bus that loses every message (pub/sub while reconnecting). */
function lossyBus(): EventBus {
  const bus = createInProcessEventBus()
  return { ...bus, publish: () => {} }
}

describe('awaitRunEnd (runtime.wait of a run executed elsewhere)', () => {
  it('resolves on the run.end from the bus, with the stored checkpoint, without polling', async () => {
    const storage = createMemoryStorage()
    const bus = createInProcessEventBus()
    const revision = await queued(storage, 'r1')
    const waiting = stored(awaitRunEnd({ storage, bus, runId: 'r1', pollMs: 60_000 }))
    await new Promise((resolve) => setTimeout(resolve, 10))
    const began = Date.now()
    await end(storage, 'r1', revision, bus)
    const checkpoint = await waiting
    expect(Date.now() - began).toBeLessThan(1000)
    expect(checkpoint.record.status).toBe('completed')
    expect(checkpoint.snapshot).toEqual({ version: 1, done: true })
    expect(bus.watched?.('r1')).toBe(false) // unsubscribed
  })

  it('a lost run.end costs at most pollMs: the stored status is read again', async () => {
    const storage = createMemoryStorage()
    const revision = await queued(storage, 'r2')
    const waiting = stored(awaitRunEnd({ storage, bus: lossyBus(), runId: 'r2', pollMs: 30 }))
    await new Promise((resolve) => setTimeout(resolve, 10))
    await end(storage, 'r2', revision)
    expect((await waiting).record.status).toBe('completed')
  })

  it('an ended run resolves at once; an unknown run is a ConfigError naming it', async () => {
    const storage = createMemoryStorage()
    const bus = createInProcessEventBus()
    await end(storage, 'r3', await queued(storage, 'r3'))
    expect((await stored(awaitRunEnd({ storage, bus, runId: 'r3', pollMs: 60_000 }))).record.status).toBe(
      'completed',
    )
    await expect(awaitRunEnd({ storage, bus, runId: 'nope' })).rejects.toThrow(ConfigError)
    await expect(awaitRunEnd({ storage, bus, runId: 'nope' })).rejects.toThrow(/no run "nope"/)
    expect(bus.watched?.('nope')).toBe(false)
  })

  it('with end channels: a run.end that brings the result is the answer, no checkpoint is read', async () => {
    const storage = createMemoryStorage()
    const revision = await queued(storage, 'r4')
    let listener: ((notice: RunEndNotice) => void) | undefined
    const bus: EventBus = {
      ...createInProcessEventBus(),
      subscribe: () => Promise.reject(new Error('a waiter listens on the end channel only')),
      async subscribeEnd(_runId, next) {
        listener = next
        return () => {
          listener = undefined
        }
      },
    }
    let loads = 0
    const counted: Storage = {
      ...storage,
      runs: {
        ...storage.runs,
        load: (runId) => {
          loads++
          return storage.runs.load(runId)
        },
      },
    }
    const waiting = awaitRunEnd({ storage: counted, bus, runId: 'r4', pollMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 10))
    await end(storage, 'r4', revision)
    const runEnd = { type: 'run.end', runId: 'r4', seq: 1, time: 0, status: 'completed', usage, turns: 0 }
    listener?.({ event: runEnd as RunEndNotice['event'], result: { output: 'told' } })
    expect(await waiting).toEqual({ result: { output: 'told' } })
    expect(loads).toBe(0)
    expect(listener).toBeUndefined() // unsubscribed

    // A failed run's end brings no result: the stored run says how it ended.
    const second = await queued(storage, 'r5')
    const failing = stored(awaitRunEnd({ storage: counted, bus, runId: 'r5', pollMs: 60_000 }))
    await new Promise((resolve) => setTimeout(resolve, 10))
    await end(storage, 'r5', second)
    listener?.({ event: { ...runEnd, runId: 'r5', status: 'failed' } as RunEndNotice['event'], result: 1 })
    expect((await failing).record.status).toBe('completed')
    expect(loads).toBe(1)
  })
})
