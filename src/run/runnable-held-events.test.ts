import { describe, expect, it } from 'vitest'
import type { RunEvent } from '../events/run-event.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import type { Runnable } from './runnable.js'
import type { RunnableSnapshot } from './runnable-journal.js'
import { Runtime } from './runtime.js'

/** A runnable that checkpoints a counter with an event three times, then waits on `gate`. */
function counter(gate: Promise<void>, reached: () => void): Runnable {
  return {
    name: 'counter',
    async run(ctx) {
      let count = (ctx.state as number | undefined) ?? 0
      while (count < 3) {
        count++
        await ctx.checkpoint(count, [{ type: 'custom', name: 'counted', data: count }])
      }
      reached()
      await gate
      return count
    },
  }
}

/** Starts a run that stops in the middle (a process that died): its checkpoint holds its events. */
async function deadRun(storage: Storage): Promise<string> {
  let reached = () => {}
  const waiting = new Promise<void>((resolve) => {
    reached = resolve
  })
  const dead = new Runtime({ storage, runnables: [counter(new Promise(() => {}), reached)] })
  const { runId } = await dead.submit('counter', 'go')
  await waiting
  return runId
}

function expectOneLog(events: readonly RunEvent[]) {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
}

describe('the events a runnable checkpoints are held in its checkpoint until a later save', () => {
  it('are in the stored log while held, and a fresh process resumes after them', async () => {
    const storage = createMemoryStorage()
    const runId = await deadRun(storage)
    const checkpoint = await storage.runs.load<RunnableSnapshot>(runId)
    expect(checkpoint?.snapshot.heldEvents?.map((event) => event.type)).toContain('custom')
    const log = await storage.runs.readEvents(runId)
    expectOneLog(log)
    expect(log.filter((event) => event.type === 'custom')).toHaveLength(3)
    expect(await storage.runs.lastEventSeq(runId)).toBe(log.length)

    const fresh = new Runtime({
      storage,
      runnables: [counter(Promise.resolve(), () => {})],
      runner: { worker: false },
    })
    expect(await fresh.recoverOrphans({ olderThanMs: 0 })).toBe(1)
    await fresh.work()
    expect((await fresh.wait(runId)).output).toBe(3)
    const events = await storage.runs.readEvents(runId)
    expectOneLog(events)
    expect(events.slice(0, log.length)).toEqual(log)
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'completed' })
    // The run's last save moved what the checkpoint held into the log.
    expect((await storage.runs.load<RunnableSnapshot>(runId))?.snapshot.heldEvents).toBeUndefined()
    await fresh.close()
  })

  it('stay in the log when a process that cannot run it ends the run', async () => {
    const storage = createMemoryStorage()
    const runId = await deadRun(storage)
    const log = await storage.runs.readEvents(runId)
    const after = new Runtime({ storage, runner: { worker: false } })
    expect(await after.recoverOrphans({ olderThanMs: 0 })).toBe(1)
    await expect(after.wait(runId)).rejects.toThrow(/no runnable "counter" is registered/)
    const events = await storage.runs.readEvents(runId)
    expectOneLog(events)
    expect(events.slice(0, log.length)).toEqual(log)
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'failed' })
    // Pruning the ended run's checkpoint keeps its log whole.
    expect(await storage.runs.pruneCheckpoint(runId)).toBe(true)
    expect(await storage.runs.readEvents(runId)).toEqual(events)
    await after.close()
  })
})
