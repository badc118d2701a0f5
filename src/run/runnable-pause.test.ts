import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import type { Storage } from '../storage/storage.js'
import type { JsonValue } from '../util/json.js'
import type { Runnable } from './runnable.js'
import { Runtime } from './runtime.js'

/** A runnable that asks for a number twice, then adds them; `checkInput` refuses anything else. */
function adder(calls: string[]): Runnable<unknown, JsonValue> {
  return {
    name: 'adder',
    checkInput(input) {
      if (typeof input !== 'number') {
        throw new ConfigError({ message: `adder: input must be a number; got ${JSON.stringify(input)}.` })
      }
    },
    async run(ctx) {
      const numbers = ((ctx.state as number[] | undefined) ?? []).slice()
      calls.push(`run with ${JSON.stringify(ctx.resumeInput)}`)
      if (ctx.resumeInput !== undefined) {
        numbers.push(ctx.resumeInput as number)
        await ctx.checkpoint(numbers, [{ type: 'custom', name: 'took', data: ctx.resumeInput }])
      }
      if (numbers.length < 2) return ctx.pause({ ask: `number ${numbers.length + 1}` })
      return (numbers[0] as number) + (numbers[1] as number)
    },
  }
}

async function stored(storage: Storage, runId: string) {
  return {
    record: await storage.runs.get(runId),
    checkpoint: await storage.runs.load(runId),
    events: await storage.runs.readEvents(runId),
  }
}

describe('a runnable that pauses for input', () => {
  it('pauses with awaiting_input, resumes with the answer as ctx.resumeInput, one log with seq', async () => {
    const storage = createMemoryStorage()
    const calls: string[] = []
    const runtime = new Runtime({ storage, runnables: [adder(calls)] })
    const first = await runtime.run(adder([]), 'go', { runId: 'add' })
    expect(first).toMatchObject({ status: 'awaiting_input', request: { ask: 'number 1' }, output: undefined })
    expect((await storage.runs.get('add'))?.status).toBe('awaiting_input')
    const second = await runtime.resume('add', { input: 2 })
    expect(second).toMatchObject({ status: 'awaiting_input', request: { ask: 'number 2' } })
    const done = await runtime.resume('add', { input: 40 })
    expect(done).toMatchObject({ status: 'completed', output: 42 })
    expect(calls).toEqual(['run with undefined', 'run with 2', 'run with 40'])
    const events = await storage.runs.readEvents('add')
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
    expect(events.map((event) => [event.type, 'status' in event ? event.status : undefined])).toEqual([
      ['run.start', undefined],
      ['input.request', undefined],
      ['run.end', 'awaiting_input'],
      ['run.start', undefined],
      ['custom', undefined],
      ['input.request', undefined],
      ['run.end', 'awaiting_input'],
      ['run.start', undefined],
      ['custom', undefined],
      ['run.end', 'completed'],
    ])
    await runtime.close()
  })

  it("checks the answer with the runnable's checkInput before storing anything", async () => {
    const storage = createMemoryStorage()
    const runtime = new Runtime({ storage, runnables: [adder([])] })
    await runtime.submit('adder', 'go', { runId: 'bad' })
    await runtime.wait('bad')
    const before = await stored(storage, 'bad')
    await expect(runtime.resume('bad', { input: 'two' })).rejects.toThrow(
      /adder: input must be a number; got "two"/,
    )
    await expect(runtime.resume('bad')).rejects.toThrow(
      /is awaiting_input: pass the answer as runtime.resume\("bad", \{ input \}\). It asks: \{"ask":"number 1"\}/,
    )
    await expect(runtime.resume('bad', { input: { when: new Date() } as never })).rejects.toThrow(ConfigError)
    expect(await stored(storage, 'bad')).toEqual(before)
    await runtime.close()
  })

  it('streams a paused run to its run.end, and an output that looks like a pause is an output', async () => {
    const storage = createMemoryStorage()
    const mimic: Runnable<unknown, JsonValue> = {
      name: 'mimic',
      run: () => ({ kind: 'pause', status: 'awaiting_input', request: null }),
    }
    const runtime = new Runtime({ storage, runnables: [adder([]), mimic] })
    const events: RunEvent[] = []
    const stream = runtime.stream(adder([]), 'go')
    for await (const event of stream) events.push(event)
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'awaiting_input' })
    expect(events).toEqual(await storage.runs.readEvents(stream.runId))
    expect((await stream.result).status).toBe('awaiting_input')
    expect(await runtime.run(mimic, 'x')).toMatchObject({
      status: 'completed',
      output: { kind: 'pause', status: 'awaiting_input', request: null },
    })
    await runtime.close()
  })

  it('refuses run.start and run.end from ctx.emitEvent, and a pause status it does not know', async () => {
    const runtime = new Runtime({ storage: createMemoryStorage() })
    const forger: Runnable = {
      name: 'forger',
      run: async (ctx) => {
        await ctx.emitEvent({ type: 'run.end' } as never)
        return 1
      },
    }
    const odd: Runnable = { name: 'odd', run: (ctx) => ctx.pause(null, { status: 'completed' as never }) }
    runtime.register(forger).register(odd)
    await expect(runtime.wait((await runtime.submit('forger', 'x', { retries: 0 })).runId)).rejects.toThrow(
      /an event needs a RunEvent type other than run.start and run.end/,
    )
    await expect(runtime.wait((await runtime.submit('odd', 'x', { retries: 0 })).runId)).rejects.toThrow(
      /status must be 'awaiting_input' or 'needs_review'/,
    )
    await runtime.close()
  })
})

describe('what a runnable checkpoints', () => {
  it('is stored as it was at the call, whatever the runnable changes in place while the save waits', async () => {
    const storage = createMemoryStorage()
    const keeper: Runnable<unknown, JsonValue> = {
      name: 'keeper',
      async run(ctx) {
        const state = { count: 1, list: [1] as number[], nested: { label: 'first' } }
        const saving = ctx.checkpoint(state)
        state.count = 99
        state.list.push(99)
        state.nested.label = 'changed'
        await saving
        return ctx.pause(null)
      },
    }
    const runtime = new Runtime({ storage, runnables: [keeper] })
    expect((await runtime.run(keeper, 'go', { runId: 'keep' })).status).toBe('awaiting_input')
    const saved = (await storage.runs.load('keep'))?.snapshot as { state?: unknown }
    expect(saved.state).toEqual({ count: 1, list: [1], nested: { label: 'first' } })
  })
})

describe('the parts a runnable checkpoints (ctx.checkpoint(state, events, { part }))', () => {
  it('are stored once each and given back in order as ctx.parts to a retried or resumed run, and to checkInput', async () => {
    const storage = createMemoryStorage()
    const seen: { attempt: number; state: JsonValue | undefined; parts: JsonValue[] }[] = []
    const checked: JsonValue[] = []
    let failed = false
    const collector: Runnable<unknown, JsonValue> = {
      name: 'collector',
      checkInput(_input, paused) {
        checked.push([...paused.parts])
      },
      async run(ctx) {
        seen.push({ attempt: ctx.attempt, state: ctx.state, parts: [...ctx.parts] })
        const done = (ctx.state as number | undefined) ?? 0
        for (let index = done; index < 3; index++) {
          await ctx.checkpoint(index + 1, [], { part: { item: `item ${index}` } })
          if (index === 1 && !failed) {
            failed = true
            throw new Error('flaky')
          }
        }
        if (ctx.resumeInput === undefined) return ctx.pause(null)
        return ctx.parts.length
      },
    }
    const runtime = new Runtime({ storage, runnables: [collector], runner: { retryDelayMs: 1 } })
    expect((await runtime.run(collector, 'go', { runId: 'parts' })).status).toBe('awaiting_input')
    expect(seen).toEqual([
      { attempt: 1, state: undefined, parts: [] },
      { attempt: 2, state: 2, parts: [{ item: 'item 0' }, { item: 'item 1' }] },
    ])
    const checkpoint = await storage.runs.load('parts')
    expect(checkpoint?.parts).toEqual([{ item: 'item 0' }, { item: 'item 1' }, { item: 'item 2' }])
    expect((checkpoint?.snapshot as { parts?: number } | undefined)?.parts).toBe(3)
    expect((await runtime.resume('parts', { input: 'go on' })).output).toBe(3)
    expect(checked).toEqual([[{ item: 'item 0' }, { item: 'item 1' }, { item: 'item 2' }]])
    const badPart: Runnable = {
      name: 'bad-part',
      run: (ctx) => ctx.checkpoint(1, [], { part: [1] as never }).then(() => 1),
    }
    runtime.register(badPart)
    await expect(runtime.wait((await runtime.submit('bad-part', 'x', { retries: 0 })).runId)).rejects.toThrow(
      /part must be a JSON object; got an array/,
    )
    await runtime.close()
  })
})
