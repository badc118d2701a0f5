import { describe, expect, it } from 'vitest'
import type { RunEvent, RunEventData } from '../events/run-event.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { SaveRunInput } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import type { JsonValue } from '../util/json.js'
import { ownedCheckpointsOf } from './owned-checkpoints.js'
import type { Runnable, RunnableContext } from './runnable.js'
import type { RunnableSnapshot } from './runnable-journal.js'
import { Runtime } from './runtime.js'

/** Memory storage whose saves are recorded (status, state, event types of each write). */
function recordedStorage() {
  const storage = createMemoryStorage()
  const saves: { status: string; state: unknown; events: string[] }[] = []
  const save = storage.runs.save.bind(storage.runs)
  storage.runs.save = ((input: SaveRunInput<RunnableSnapshot>) => {
    const snapshot = input.snapshot as RunnableSnapshot
    const events = [...(snapshot.heldEvents ?? []), ...(input.events ?? [])]
    saves.push({
      status: input.status,
      state: snapshot.state,
      events: events.map((event) => (event.type === 'custom' ? `custom:${event.name}` : event.type)),
    })
    return save(input)
  }) as Storage['runs']['save']
  return { storage, saves }
}

const custom = (name: string, data?: JsonValue): RunEventData =>
  ({ type: 'custom', name, ...(data === undefined ? {} : { data }) }) as RunEventData

async function runOf(runnable: Runnable, storage: Storage) {
  const runtime = new Runtime({ storage, runnables: [runnable], runner: { retries: 0 } })
  const seen: RunEvent[] = []
  const stream = runtime.stream(runnable, 'go')
  const result = stream.result.catch((error: unknown) => error)
  for await (const event of stream) seen.push(event)
  const log = await storage.runs.readEvents(stream.runId)
  const stored = await storage.runs.load<RunnableSnapshot>(stream.runId)
  await runtime.close()
  return { result: await result, seen, log, stored }
}

describe('owned checkpoints (the runtime’s own runnables)', () => {
  it('exist only on a ctx the runtime made', () => {
    expect(ownedCheckpointsOf({} as RunnableContext<unknown>)).toBeUndefined()
  })

  it('save a last checkpoint with the run’s end, in one write, its events told after it', async () => {
    const { storage, saves } = recordedStorage()
    const runnable: Runnable = {
      name: 'owned',
      async run(ctx) {
        const owned = ownedCheckpointsOf(ctx as RunnableContext<unknown>)
        if (owned === undefined) throw new Error('the runtime gives owned checkpoints')
        await owned.checkpoint({ step: 1 }, [custom('one')])
        owned.checkpointAtEnd({ step: 2 }, [custom('last', { n: [1] })], { piece: 2 })
        return 'done'
      },
    }
    const { result, seen, log, stored } = await runOf(runnable, storage)
    expect(result).toMatchObject({ status: 'completed', output: 'done' })
    // Submit, claim, one checkpoint, and the end with the last checkpoint in it.
    expect(saves.map((save) => save.status)).toEqual(['queued', 'running', 'running', 'completed'])
    // (What the checkpoint held until then goes into the log with them.)
    expect(saves.at(-1)).toEqual({
      status: 'completed',
      state: { step: 2 },
      events: ['run.start', 'custom:one', 'custom:last', 'run.end'],
    })
    expect(log.map((event) => (event.type === 'custom' ? event.name : event.type))).toEqual([
      'run.start',
      'one',
      'last',
      'run.end',
    ])
    expect(seen).toEqual(log)
    expect(stored?.snapshot.state).toEqual({ step: 2 })
    expect(stored?.parts).toEqual([{ piece: 2 }])
    expect(stored?.snapshot.parts).toBe(1)
  })

  it('save a last checkpoint on its own first when the run writes something else before its end', async () => {
    const { storage, saves } = recordedStorage()
    const runnable: Runnable = {
      name: 'owned',
      async run(ctx) {
        const owned = ownedCheckpointsOf(ctx as RunnableContext<unknown>)
        owned?.checkpointAtEnd({ step: 1 }, [custom('first')], { piece: 1 })
        await ctx.emit('after')
        return 'done'
      },
    }
    const { log, stored } = await runOf(runnable, storage)
    expect(saves.map((save) => [save.status, save.state])).toEqual([
      ['queued', undefined],
      ['running', undefined],
      ['running', { step: 1 }],
      ['completed', { step: 1 }],
    ])
    expect(log.map((event) => (event.type === 'custom' ? event.name : event.type))).toEqual([
      'run.start',
      'first',
      'after',
      'run.end',
    ])
    expect(stored?.parts).toEqual([{ piece: 1 }])
  })

  it('store no last checkpoint of a run that fails before its end', async () => {
    const { storage } = recordedStorage()
    const runnable: Runnable = {
      name: 'owned',
      async run(ctx) {
        const owned = ownedCheckpointsOf(ctx as RunnableContext<unknown>)
        await owned?.checkpoint({ step: 1 }, [])
        owned?.checkpointAtEnd({ step: 2 }, [custom('never')], { piece: 2 })
        throw new Error('broke after it')
      },
    }
    const { result, log, stored } = await runOf(runnable, storage)
    expect(result).toBeInstanceOf(Error)
    expect(stored?.record.status).toBe('failed')
    expect(stored?.snapshot.state).toEqual({ step: 1 })
    expect(stored?.parts).toEqual([])
    expect(log.map((event) => event.type)).toEqual(['run.start', 'run.end'])
  })

  it('save a last checkpoint with a pause', async () => {
    const { storage, saves } = recordedStorage()
    const runnable: Runnable = {
      name: 'owned',
      async run(ctx) {
        ownedCheckpointsOf(ctx as RunnableContext<unknown>)?.checkpointAtEnd({ step: 1 }, [custom('asked')])
        return ctx.pause({ question: 'go on?' })
      },
    }
    const { stored } = await runOf(runnable, storage)
    expect(stored?.record.status).toBe('awaiting_input')
    expect(stored?.snapshot.state).toEqual({ step: 1 })
    expect(saves.at(-1)?.events).toEqual(['run.start', 'custom:asked', 'input.request', 'run.end'])
  })
})
