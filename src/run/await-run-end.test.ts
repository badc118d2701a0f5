import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import { awaitRunEnd } from './await-run-end.js'
import { createInProcessEventBus, type EventBus } from './event-bus.js'

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
    const waiting = awaitRunEnd({ storage, bus, runId: 'r1', pollMs: 60_000 })
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
    const waiting = awaitRunEnd({ storage, bus: lossyBus(), runId: 'r2', pollMs: 30 })
    await new Promise((resolve) => setTimeout(resolve, 10))
    await end(storage, 'r2', revision)
    expect((await waiting).record.status).toBe('completed')
  })

  it('an ended run resolves at once; an unknown run is a ConfigError naming it', async () => {
    const storage = createMemoryStorage()
    const bus = createInProcessEventBus()
    await end(storage, 'r3', await queued(storage, 'r3'))
    expect((await awaitRunEnd({ storage, bus, runId: 'r3', pollMs: 60_000 })).record.status).toBe('completed')
    await expect(awaitRunEnd({ storage, bus, runId: 'nope' })).rejects.toThrow(ConfigError)
    await expect(awaitRunEnd({ storage, bus, runId: 'nope' })).rejects.toThrow(/no run "nope"/)
    expect(bus.watched?.('nope')).toBe(false)
  })
})
