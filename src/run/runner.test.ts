import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { ConfigError, ModelError, RunCancelledError, RunTimeoutError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import { steps } from '../steps/steps.js'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import type { Runnable, RunnableContext } from './runnable.js'
import { Runtime } from './runtime.js'

async function collect(iterable: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const events: RunEvent[] = []
  for await (const event of iterable) events.push(event)
  return events
}

function expectGapFree(events: readonly RunEvent[], from = 1): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => from + index))
  expect(events.filter((event) => event.type === 'run.end')).toHaveLength(1)
  expect(events.at(-1)?.type).toBe('run.end')
}

const fast = { retryDelayMs: 1 }

describe('runnables and the registry', () => {
  it('registers, lists, gets and unregisters; duplicate names are rejected', () => {
    const runtime = new Runtime()
    const echo: Runnable = { name: 'echo', run: (ctx) => ctx.input.length }
    runtime.register(echo)
    expect(runtime.runnables.get('echo')?.kind).toBe('custom')
    expect(() => runtime.register({ name: 'echo', run: () => 1 })).toThrow(/already registered/)
    expect(() => runtime.register({ name: 'bad' } as unknown as Runnable)).toThrow(ConfigError)
    expect(() => runtime.register({ name: '', run: () => 1 })).toThrow(/non-empty string name/)
    const job = steps({ name: 'job' }).step({ name: 'one', run: () => ({ result: 1 }) })
    runtime.register(job)
    expect(runtime.runnables.list().map((entry) => [entry.name, entry.kind])).toEqual([
      ['echo', 'custom'],
      ['job', 'steps'],
    ])
    expect(runtime.unregister('echo')).toBe(true)
    expect(runtime.unregister('echo')).toBe(false)
    expect(runtime.runnables.get('echo')).toBeUndefined()
  })

  it('runs a custom runnable: submit returns at once with a queued run, wait gives its output', async () => {
    const storage = createMemoryStorage()
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const runtime = new Runtime({
      storage,
      runnables: [
        {
          name: 'greet',
          async run(ctx: RunnableContext) {
            await gate
            await ctx.emit('progress', { half: true })
            return { hello: (ctx.input[0]?.content as string) ?? '', metadata: ctx.metadata.team ?? null }
          },
        },
      ],
    })
    const { runId } = await runtime.submit('greet', 'world', { metadata: { team: 'blue' } })
    const record = await storage.runs.get(runId)
    expect(['queued', 'running']).toContain(record?.status)
    expect(record?.metadata).toEqual({ team: 'blue' })
    release()
    const result = await runtime.wait(runId)
    expect(result.status).toBe('completed')
    expect(result.output).toEqual({ hello: 'world', metadata: 'blue' })
    const stored = await storage.runs.readEvents(runId)
    expectGapFree(stored)
    expect(stored.map((event) => event.type)).toEqual(['run.start', 'custom', 'run.end'])
    expect(stored[1]).toMatchObject({ type: 'custom', name: 'progress', data: { half: true } })
    expect((await storage.runs.get(runId))?.metadata).toEqual({ team: 'blue' })
  })

  it('adds runnables to a runtime whose runs are executing', async () => {
    const runtime = new Runtime({
      runnables: [{ name: 'slow', run: ({ signal }: RunnableContext) => sleepUntil(signal, 50) }],
    })
    const first = await runtime.submit('slow', 'x')
    runtime.register({ name: 'late', run: () => 'late output' })
    const second = await runtime.submit('late', 'y')
    expect((await runtime.wait(second.runId)).output).toBe('late output')
    expect((await runtime.wait(first.runId)).output).toBe('slept')
  })

  it('rejects unknown names and bad submit options, naming the field', async () => {
    const runtime = new Runtime({ runnables: [{ name: 'a', run: () => 1 }] })
    await expect(runtime.submit('nope', 'x')).rejects.toThrow(/no runnable named "nope".*registered: a/)
    await expect(runtime.submit('a', 'x', { timeoutMs: -1 })).rejects.toThrow(/timeoutMs must be a positive/)
    await expect(runtime.submit('a', 'x', { retries: 1.5 })).rejects.toThrow(/retries must be an integer/)
    await expect(runtime.submit('a', 'x', { foo: 1 } as never)).rejects.toThrow(/unknown option "foo"/)
    await expect(runtime.submit('a', 'x', { metadata: { when: new Date() } as never })).rejects.toThrow(
      /metadata/,
    )
    const { runId } = await runtime.submit('a', 'x', { runId: 'fixed' })
    await runtime.wait(runId)
    await expect(runtime.submit('a', 'x', { runId: 'fixed' })).rejects.toThrow(/already exists/)
  })
})

function sleepUntil(signal: AbortSignal, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('slept'), ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(signal.reason)
    })
  })
}

describe('checkpoints, steps and retries', () => {
  it('a retried run continues from its checkpoint: completed steps are not repeated, one run.end', async () => {
    const storage = createMemoryStorage()
    const executed: string[] = []
    let failures = 0
    const runtime = new Runtime({
      storage,
      runner: fast,
      runnables: [
        {
          name: 'pipeline',
          async run(ctx: RunnableContext) {
            const fetched = await ctx.step('fetch', () => {
              executed.push('fetch')
              return { rows: 3 }
            })
            if (ctx.state === undefined) await ctx.checkpoint({ phase: 'fetched' })
            if (failures++ < 2) throw new Error('transient outage')
            const summed = await ctx.step('sum', () => {
              executed.push('sum')
              return (fetched as { rows: number }).rows * 2
            })
            return { summed, attempt: ctx.attempt, state: ctx.state ?? null }
          },
        },
      ],
    })
    const { runId } = await runtime.submit('pipeline', 'go')
    const result = await runtime.wait(runId)
    expect(result.output).toEqual({ summed: 6, attempt: 3, state: { phase: 'fetched' } })
    expect(executed).toEqual(['fetch', 'sum'])
    const events = await storage.runs.readEvents(runId)
    expectGapFree(events)
    expect(events.filter((event) => event.type === 'run.start')).toHaveLength(3)
    expect(
      events.filter((event) => event.type === 'step.skip').map((event) => (event as { step: string }).step),
    ).toEqual(['fetch', 'fetch'])
  })

  it('fails after the retries are spent (default 3), with one run.end and the error', async () => {
    let attempts = 0
    const runtime = new Runtime({
      runner: fast,
      runnables: [
        {
          name: 'broken',
          run() {
            attempts++
            throw new Error('always broken')
          },
        },
      ],
    })
    const { runId } = await runtime.submit('broken', 'x')
    await expect(runtime.wait(runId)).rejects.toThrow('always broken')
    expect(attempts).toBe(4)
    const events = await collect(runtime.events(runId))
    expectGapFree(events)
    expect(events.at(-1)).toMatchObject({ status: 'failed', error: { message: 'always broken' } })
  })

  it('times out a run (default 300 s; here 50 ms) without retrying it', async () => {
    let attempts = 0
    const runtime = new Runtime({
      runner: { ...fast, timeoutMs: 50 },
      runnables: [
        {
          name: 'stuck',
          run: ({ signal }: RunnableContext) => {
            attempts++
            return sleepUntil(signal, 60_000)
          },
        },
      ],
    })
    const { runId } = await runtime.submit('stuck', 'x')
    await expect(runtime.wait(runId)).rejects.toThrow(RunTimeoutError)
    expect(attempts).toBe(1)
  })

  it('runs a registered step job as one run: step events in its log, output { state, results }', async () => {
    const storage = createMemoryStorage()
    const job = steps({ name: 'report', initialState: { words: 0 } })
      .step({ name: 'fetch', run: () => ({ result: 'a b c' }) })
      .step({ name: 'count', run: ({ results }) => ({ state: { words: results.fetch.split(' ').length } }) })
    const runtime = new Runtime({ storage, runnables: [job] })
    const { runId } = await runtime.submit('report', 'x')
    const result = await runtime.wait(runId)
    expect(result.output).toEqual({ state: { words: 3 }, results: { fetch: 'a b c', count: null } })
    const events = await storage.runs.readEvents(runId)
    expectGapFree(events)
    expect(events.map((event) => event.type)).toEqual([
      'run.start',
      'step.start',
      'step.end',
      'step.start',
      'step.end',
      'run.end',
    ])
    expect((await storage.runs.get(runId))?.kind).toBe('steps')
  })
})

describe('agents as runnables', () => {
  const add = tool({
    name: 'add',
    description: 'Add',
    parameters: z.object({ a: z.number(), b: z.number() }),
    execute: ({ a, b }) => a + b,
  })

  it('submits an agent run: one run record, one gap-free log, the RunResult from wait', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({
      name: 'calc',
      model: scriptedModel([{ toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }] }, { text: '5' }]),
      tools: [add],
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    const { runId } = await runtime.submit('calc', 'What is 2 + 3?', { metadata: { ticket: 7 } })
    const [result, events] = await Promise.all([runtime.wait(runId), collect(runtime.events(runId))])
    expect(result.status).toBe('completed')
    expect(result.output).toBe('5')
    expect(result.input).toEqual([{ role: 'user', content: 'What is 2 + 3?' }])
    expectGapFree(events)
    expect(events).toEqual(await storage.runs.readEvents(runId))
    expect(events.map((event) => event.type)).toContain('tool.end')
    const record = await storage.runs.get(runId)
    expect(record).toMatchObject({ status: 'completed', agentName: 'calc', metadata: { ticket: 7 } })
  })

  it('retries an agent run after a retryable model error, from its checkpoint', async () => {
    const storage = createMemoryStorage()
    let executions = 0
    const counted = tool({
      name: 'count',
      description: 'Count',
      parameters: z.object({}),
      execute: () => ++executions,
    })
    const agent = new Agent({
      name: 'flaky',
      model: scriptedModel([
        { toolCalls: [{ name: 'count', arguments: {} }] },
        {
          error: new ModelError({
            provider: 'test',
            message: 'overloaded',
            statusCode: 529,
            isRetryable: true,
          }),
        },
        { text: 'done' },
      ]),
      tools: [counted],
    })
    const runtime = new Runtime({ storage, agents: [agent], runner: fast })
    const { runId } = await runtime.submit('flaky', 'go')
    const result = await runtime.wait(runId)
    expect(result.output).toBe('done')
    expect(executions).toBe(1)
    const events = await storage.runs.readEvents(runId)
    expectGapFree(events)
    expect(
      events.filter((event) => event.type === 'run.start').map((event) => event.resumed ?? false),
    ).toEqual([false, true])
  })

  it('continues a session, and keeps the run context out of storage and events', async () => {
    const storage = createMemoryStorage()
    const seen: unknown[] = []
    const whoami = tool({
      name: 'whoami',
      description: 'Who is asking',
      parameters: z.object({}),
      execute: (_, { context }) => {
        seen.push(context)
        return 'a user'
      },
    })
    const agent = new Agent({
      name: 'chat',
      model: scriptedModel([
        { toolCalls: [{ name: 'whoami', arguments: {} }] },
        { text: 'first answer' },
        { text: 'second answer' },
      ]),
      tools: [whoami],
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    const session = await storage.sessions.create({})
    const secret = { apiKey: 'sk-never-stored' }
    const first = await runtime.submit('chat', 'hello', { session: session.sessionId, context: secret })
    expect((await runtime.wait(first.runId)).output).toBe('first answer')
    expect(seen).toEqual([secret])
    const second = await runtime.submit('chat', 'again', { session: session.sessionId })
    const result = await runtime.wait(second.runId)
    expect(result.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
      'assistant',
    ])
    const stored = JSON.stringify([
      await storage.runs.load(first.runId),
      await storage.runs.readEvents(first.runId),
      await storage.sessions.messages(session.sessionId),
    ])
    expect(stored).not.toContain('sk-never-stored')
  })

  it('runtime.resume keeps working, and refuses a queued run', async () => {
    const storage = createMemoryStorage()
    const agent = new Agent({ name: 'a', model: scriptedModel([{ text: 'hi' }]) })
    const runtime = new Runtime({ storage, agents: [agent], runner: { worker: false } })
    const { runId } = await runtime.submit('a', 'x')
    await expect(runtime.resume(runId)).rejects.toThrow(/is queued/)
  })
})

describe('cancel', () => {
  it('cancels a running run: its signal aborts and wait rejects with RunCancelledError', async () => {
    let started = () => {}
    const running = new Promise<void>((resolve) => {
      started = resolve
    })
    const runtime = new Runtime({
      runnables: [
        {
          name: 'long',
          run: ({ signal }: RunnableContext) => {
            started()
            return sleepUntil(signal, 60_000)
          },
        },
      ],
    })
    const { runId } = await runtime.submit('long', 'x')
    await running
    const began = Date.now()
    expect(await runtime.cancel(runId)).toBe('running')
    await expect(runtime.wait(runId)).rejects.toThrow(RunCancelledError)
    expect(Date.now() - began).toBeLessThan(1000)
    const events = await collect(runtime.events(runId))
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'cancelled' })
  })

  it('cancels an agent run paused for approval: stored as cancelled, with its run.end', async () => {
    const storage = createMemoryStorage()
    const refund = tool({
      name: 'refund',
      description: 'Refund',
      parameters: z.object({}),
      needsApproval: true,
      execute: () => 'refunded',
    })
    const agent = new Agent({
      name: 'clerk',
      model: scriptedModel([{ toolCalls: [{ name: 'refund', arguments: {} }] }]),
      tools: [refund],
    })
    const runtime = new Runtime({ storage, agents: [agent] })
    const { runId } = await runtime.submit('clerk', 'refund me')
    expect((await runtime.wait(runId)).status).toBe('awaiting_approval')
    expect(await runtime.cancel(runId)).toBe('awaiting_approval')
    expect((await storage.runs.get(runId))?.status).toBe('cancelled')
    await expect(runtime.wait(runId)).rejects.toThrow(RunCancelledError)
    const events = await storage.runs.readEvents(runId)
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1))
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'cancelled' })
  })

  it('cancels a queued run in storage before any worker starts it', async () => {
    let ran = false
    const runtime = new Runtime({
      runner: { worker: false },
      runnables: [
        {
          name: 'never',
          run: () => {
            ran = true
            return 1
          },
        },
      ],
    })
    const { runId } = await runtime.submit('never', 'x')
    expect(await runtime.cancel(runId)).toBe('queued')
    await runtime.work()
    await expect(runtime.wait(runId)).rejects.toThrow(RunCancelledError)
    expect(ran).toBe(false)
    await expect(runtime.cancel('missing')).rejects.toThrow(/no run "missing"/)
  })
})

describe('events', () => {
  it('replays the stored log from `after`, then live events, no gap and no duplicate at the seam', async () => {
    const storage = createMemoryStorage()
    let next = () => {}
    let proceed = new Promise<void>((resolve) => {
      next = resolve
    })
    const runtime = new Runtime({
      storage,
      runnables: [
        {
          name: 'ticker',
          async run(ctx: RunnableContext) {
            for (let index = 0; index < 20; index++) {
              await ctx.emit('tick', index)
              if (index === 9) {
                await proceed
              }
            }
            return 'ok'
          },
        },
      ],
    })
    const { runId } = await runtime.submit('ticker', 'x')
    while ((await storage.runs.lastEventSeq(runId)) < 11)
      await new Promise((resolve) => setTimeout(resolve, 2))
    // Subscribe mid-run, from seq 3: the stored part, then the live part.
    const following = collect(runtime.events(runId, { after: 3 }))
    await new Promise((resolve) => setTimeout(resolve, 5))
    next()
    const events = await following
    expectGapFree(events, 4)
    expect(events).toEqual((await storage.runs.readEvents(runId)).filter((event) => event.seq > 3))
    void proceed
    proceed = Promise.resolve()
  })

  it('a slow subscriber keeps a bounded buffer: dropped events are read back from storage', async () => {
    const storage = createMemoryStorage()
    let reads = 0
    const readEvents = storage.runs.readEvents.bind(storage.runs)
    storage.runs.readEvents = (runId, options) => {
      reads++
      return readEvents(runId, options)
    }
    const runtime = new Runtime({
      storage,
      runnables: [
        {
          name: 'chatty',
          async run(ctx: RunnableContext) {
            await new Promise((resolve) => setTimeout(resolve, 20))
            for (let index = 0; index < 300; index++) await ctx.emit('tick', index)
            return 'ok'
          },
        },
      ],
    })
    const { runId } = await runtime.submit('chatty', 'x')
    const events: RunEvent[] = []
    for await (const event of runtime.events(runId, { maxBuffered: 8 })) {
      events.push(event)
      // A consumer much slower than the run.
      if (events.length % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expectGapFree(events)
    expect(events).toHaveLength(302)
    expect(reads).toBeGreaterThan(2)
  })
})

describe('orphans', () => {
  it('resumes a run left running by a process that died, from its checkpoint', async () => {
    const storage = createMemoryStorage()
    const executed: string[] = []
    const pipeline: Runnable = {
      name: 'pipeline',
      async run(ctx) {
        await ctx.step('one', () => {
          executed.push('one')
          return 1
        })
        await ctx.step('two', ({ signal }) => {
          executed.push('two')
          return sleepUntil(signal, 60_000).then(() => 2)
        })
        return 'done'
      },
    }
    // A first process takes the run, completes step one, and dies in step two (never closes).
    const dead = new Runtime({ storage, runnables: [pipeline] })
    const { runId } = await dead.submit('pipeline', 'x')
    while (!executed.includes('two')) await new Promise((resolve) => setTimeout(resolve, 2))
    expect((await storage.runs.get(runId))?.status).toBe('running')
    executed.length = 0
    const finish: Runnable = {
      name: 'pipeline',
      async run(ctx) {
        const one = await ctx.step('one', () => {
          executed.push('one')
          return 1
        })
        const two = await ctx.step('two', () => {
          executed.push('two')
          return 2
        })
        return `done ${String(one)} ${String(two)}`
      },
    }
    const fresh = new Runtime({ storage, runnables: [finish], runner: { worker: false } })
    expect(await fresh.recoverOrphans({ olderThanMs: 0 })).toBe(1)
    await fresh.work()
    expect((await fresh.wait(runId)).output).toBe('done 1 2')
    expect(executed).toEqual(['two'])
  })

  it('never takes a run this process executes with runtime.run for an orphan', async () => {
    const storage = createMemoryStorage()
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const wait = tool({
      name: 'wait',
      description: 'Wait',
      parameters: z.object({}),
      execute: async () => {
        await gate
        return 'waited'
      },
    })
    const agent = new Agent({
      name: 'patient',
      model: scriptedModel([{ toolCalls: [{ name: 'wait', arguments: {} }] }, { text: 'done' }]),
      tools: [wait],
    })
    const runtime = new Runtime({ storage, agents: [agent], runner: { worker: false } })
    const running = runtime.run(agent, 'go', { runId: 'direct' })
    while ((await storage.runs.get('direct'))?.status !== 'running')
      await new Promise((r) => setTimeout(r, 2))
    expect(await runtime.recoverOrphans({ olderThanMs: 0 })).toBe(0)
    release()
    expect((await running).output).toBe('done')
  })

  it('fails an orphan whose runnable is not registered, with a run.end naming it', async () => {
    const storage = createMemoryStorage()
    const before = new Runtime({
      storage,
      runnables: [{ name: 'gone', run: () => 1 }],
      runner: { worker: false },
    })
    const { runId } = await before.submit('gone', 'x')
    const after = new Runtime({ storage, runner: { worker: false } })
    expect(await after.recoverOrphans({ olderThanMs: 0 })).toBe(1)
    await expect(after.wait(runId)).rejects.toThrow(/no runnable "gone" is registered/)
  })
})
