import { describe, expect, expectTypeOf, it } from 'vitest'
import { AgentLoopError, ConfigError, MaxRetriesExceededError, RunCancelledError } from '../errors/errors.js'
import { StepFailedError, StepTimeoutError } from './step-errors.js'
import type { StepEvent } from './step-event.js'
import { steps } from './steps.js'

const never = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))

function failing(times: number, message = 'flaky') {
  let calls = 0
  return {
    get calls() {
      return calls
    },
    run: () => {
      calls++
      if (calls <= times) throw new Error(`${message} ${calls}`)
      return { result: calls }
    },
  }
}

const types = (events: StepEvent[]) =>
  events.map((event) => `${event.type}${'step' in event ? `:${event.step}` : ''}`)

describe('steps', () => {
  it('runs named steps in order, passing the shared state and earlier results', async () => {
    const seen: unknown[] = []
    const job = steps({ name: 'pipeline', initialState: { topic: 'tides', words: 0, done: false } })
      .step({
        name: 'fetch',
        run: ({ state }) => ({ result: `${state.topic} rise and fall` }),
      })
      .step({
        name: 'count',
        run: ({ state, results }) => {
          seen.push({ state, results })
          return { state: { words: results.fetch.split(' ').length }, result: { ok: true } }
        },
      })
      .step({ name: 'finish', run: () => ({ state: { done: true } }) })
    expect(job.stepNames).toEqual(['fetch', 'count', 'finish'])
    const result = await job.run({ jobId: 'j1' })
    expectTypeOf(result.results.fetch).toEqualTypeOf<string>()
    expectTypeOf(result.results.count).toEqualTypeOf<{ ok: boolean }>()
    expectTypeOf(result.state.words).toEqualTypeOf<number>()
    expect(seen).toEqual([
      { state: { topic: 'tides', words: 0, done: false }, results: { fetch: 'tides rise and fall' } },
    ])
    expect(result).toEqual({
      jobId: 'j1',
      jobName: 'pipeline',
      status: 'completed',
      state: { topic: 'tides', words: 4, done: true },
      results: { fetch: 'tides rise and fall', count: { ok: true } },
      executed: ['fetch', 'count', 'finish'],
      skipped: [],
    })
  })

  it('merges run({ state }) over the initial state and generates a job id', async () => {
    const job = steps({ name: 'j', initialState: { a: 1, b: 2 } }).step({
      name: 's',
      run: ({ state, jobId, jobName, step, attempt }) => ({
        result: { ...state, jobId, jobName, step, attempt },
      }),
    })
    const result = await job.run({ state: { b: 3 } })
    expect(result.jobId).toMatch(/^[0-9a-f-]{36}$/)
    expect(result.results.s).toEqual({ a: 1, b: 3, jobId: result.jobId, jobName: 'j', step: 's', attempt: 1 })
  })

  it('emits plain-JSON events with the job id, a monotonic seq and time, to onEvent and as a stream', async () => {
    const job = steps({ name: 'e' })
      .step({
        name: 'one',
        run: ({ report }) => {
          report(0.5, 'half way')
          report(1)
          return { result: 1 }
        },
      })
      .step({ name: 'two', run: () => undefined })
    const received: StepEvent[] = []
    const stream = job.stream({ jobId: 'e1', onEvent: (event) => received.push(event) })
    const streamed: StepEvent[] = []
    for await (const event of stream) streamed.push(event)
    await expect(stream.result).resolves.toMatchObject({ status: 'completed' })
    expect(streamed).toEqual(received)
    expect(types(streamed)).toEqual([
      'job.start',
      'step.start:one',
      'step.progress:one',
      'step.progress:one',
      'step.end:one',
      'step.start:two',
      'step.end:two',
      'job.end',
    ])
    expect(streamed.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    for (const event of streamed) {
      expect(event.jobId).toBe('e1')
      expect(typeof event.time).toBe('number')
      expect(JSON.parse(JSON.stringify(event))).toEqual(event)
    }
    expect(streamed[2]).toMatchObject({ type: 'step.progress', progress: 0.5, message: 'half way' })
    expect(streamed[0]).toMatchObject({ jobName: 'e', resumed: false, steps: ['one', 'two'], completed: [] })
    expect(streamed.at(-1)).toMatchObject({ type: 'job.end', status: 'completed' })
  })

  it('ignores exceptions thrown by onEvent', async () => {
    const job = steps({ name: 'o' }).step({ name: 's', run: () => ({ result: 1 }) })
    const result = await job.run({
      onEvent: () => {
        throw new Error('observer bug')
      },
    })
    expect(result.results.s).toBe(1)
  })

  it('rejects a progress outside 0..1', async () => {
    const job = steps({ name: 'p' }).step({ name: 's', run: ({ report }) => report(2) })
    const error = await job.run().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StepFailedError)
    expect((error as Error).cause).toBeInstanceOf(ConfigError)
    expect(((error as Error).cause as Error).message).toMatch(
      /report\(progress\) takes a number from 0 to 1; got 2/,
    )
  })
})

describe('retries', () => {
  it('retries a failing step (default 0 retries) and emits step.retry', async () => {
    const flaky = failing(2)
    const events: StepEvent[] = []
    const job = steps({ name: 'r' }).step({ name: 'flaky', retries: 2, retryDelay: 1, run: flaky.run })
    const result = await job.run({ onEvent: (event) => events.push(event) })
    expect(result.results.flaky).toBe(3)
    expect(types(events)).toEqual([
      'job.start',
      'step.start:flaky',
      'step.retry:flaky',
      'step.start:flaky',
      'step.retry:flaky',
      'step.start:flaky',
      'step.end:flaky',
      'job.end',
    ])
    expect(events.filter((event) => event.type === 'step.retry')).toMatchObject([
      { attempt: 1, delayMs: 1, error: { name: 'Error', message: 'flaky 1' } },
      { attempt: 2, delayMs: 1, error: { message: 'flaky 2' } },
    ])
    expect(events.filter((event) => event.type === 'step.start').map((event) => event.attempt)).toEqual([
      1, 2, 3,
    ])

    const once = failing(1)
    const error = await steps({ name: 'r0' })
      .step({ name: 'once', run: once.run })
      .run()
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StepFailedError)
    expect(once.calls).toBe(1)
  })

  it('fails the job with the step name and the last error after the retries', async () => {
    const flaky = failing(10)
    const events: StepEvent[] = []
    const job = steps({ name: 'r' })
      .step({ name: 'ok', run: () => ({ result: 1 }) })
      .step({ name: 'flaky', retries: 2, retryDelay: 0, run: flaky.run })
      .step({ name: 'after', run: () => ({ result: 2 }) })
    const error = await job
      .run({ jobId: 'rf', onEvent: (event) => events.push(event) })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StepFailedError)
    expect(error).toBeInstanceOf(MaxRetriesExceededError)
    expect(error).toBeInstanceOf(AgentLoopError)
    expect(error).toMatchObject({ stepName: 'flaky', jobId: 'rf', jobName: 'r', attempts: 3 })
    expect(((error as Error).cause as Error).message).toBe('flaky 3')
    expect((error as Error).message).toMatch(
      /^Step "flaky" of job "r" \(id rf\) failed after 3 attempts: flaky 3\./,
    )
    expect(flaky.calls).toBe(3)
    expect(events.at(-2)).toMatchObject({ type: 'step.fail', step: 'flaky', attempts: 3 })
    expect(events.at(-1)).toMatchObject({
      type: 'job.end',
      status: 'failed',
      failedStep: 'flaky',
      error: { name: 'StepFailedError' },
    })
    expect(types(events)).not.toContain('step.start:after')
  })

  it('waits retryDelay between attempts: fixed, a function of the attempt, or exponential', async () => {
    const delays = async (options: object) => {
      const events: StepEvent[] = []
      await steps({ name: 'd' })
        .step({ name: 's', retries: 3, ...options, run: failing(3).run })
        .run({ onEvent: (event) => events.push(event) })
      return events.flatMap((event) => (event.type === 'step.retry' ? [event.delayMs] : []))
    }
    expect(await delays({ retryDelay: 2 })).toEqual([2, 2, 2])
    expect(await delays({ retryDelay: (attempt: number) => attempt * 3 })).toEqual([3, 6, 9])
    expect(await delays({ retryDelay: 2, backoff: 'exponential' })).toEqual([2, 4, 8])
    expect(await delays({ retryDelay: 2, backoff: 'exponential', maxRetryDelay: 5 })).toEqual([2, 4, 5])

    const started = Date.now()
    await steps({ name: 'd' })
      .step({ name: 's', retries: 1, retryDelay: 60, run: failing(1).run })
      .run()
    expect(Date.now() - started).toBeGreaterThanOrEqual(55)
  })

  it('does not retry an error that retryIf refuses', async () => {
    class Fatal extends Error {}
    let calls = 0
    const job = steps({ name: 'f' }).step({
      name: 's',
      retries: 5,
      retryDelay: 0,
      retryIf: (error) => !(error instanceof Fatal),
      run: () => {
        calls++
        throw new Fatal('no point retrying')
      },
    })
    await expect(job.run()).rejects.toMatchObject({ attempts: 1, cause: expect.any(Fatal) })
    expect(calls).toBe(1)
  })
})

describe('timeout', () => {
  it("aborts the step's signal at the deadline and fails with StepTimeoutError", async () => {
    let aborted: unknown
    const job = steps({ name: 't' }).step({
      name: 'slow',
      timeout: 20,
      run: async ({ signal }) => {
        try {
          return await never(signal)
        } finally {
          aborted = signal.reason
        }
      },
    })
    const error = (await job.run().catch((e: unknown) => e)) as StepFailedError
    expect(error).toBeInstanceOf(StepFailedError)
    expect(error.cause).toBeInstanceOf(StepTimeoutError)
    expect(error.cause).toMatchObject({ stepName: 'slow', timeoutMs: 20 })
    expect((error.cause as Error).message).toMatch(/did not finish within its timeout of 20 ms/)
    expect(aborted).toBe(error.cause)
  })

  it('fails at the deadline even when the step ignores its signal, and retries a timeout', async () => {
    let calls = 0
    const job = steps({ name: 't' }).step({
      name: 'stubborn',
      timeout: 15,
      retries: 1,
      retryDelay: 0,
      run: () => {
        calls++
        return calls === 1 ? new Promise<undefined>(() => {}) : { result: 'second try' }
      },
    })
    const started = Date.now()
    expect((await job.run()).results.stubborn).toBe('second try')
    expect(calls).toBe(2)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('cancellation', () => {
  it('aborts the running step, does not retry it, and ends the job cancelled', async () => {
    const controller = new AbortController()
    let calls = 0
    const events: StepEvent[] = []
    const job = steps({ name: 'c' }).step({
      name: 'wait',
      retries: 3,
      run: ({ signal }) => {
        calls++
        setTimeout(() => controller.abort(), 5)
        return never(signal)
      },
    })
    const error = await job
      .run({ signal: controller.signal, onEvent: (event) => events.push(event) })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RunCancelledError)
    expect((error as Error).message).toMatch(/Job "c" \(id .+\) was cancelled by its AbortSignal/)
    expect(calls).toBe(1)
    expect(events.at(-1)).toMatchObject({ type: 'job.end', status: 'cancelled', failedStep: 'wait' })
  })

  it('runs no step of a job whose signal is already aborted', async () => {
    let calls = 0
    const job = steps({ name: 'c' }).step({ name: 's', run: () => void calls++ })
    await expect(job.run({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(RunCancelledError)
    expect(calls).toBe(0)
  })

  it('cancels the job when the stream consumer stops reading', async () => {
    let reason: unknown
    const job = steps({ name: 'c' }).step({
      name: 'wait',
      run: async ({ signal, report }) => {
        report(0)
        try {
          return await never(signal)
        } finally {
          reason = signal.reason
        }
      },
    })
    const stream = job.stream()
    for await (const event of stream) if (event.type === 'step.progress') break
    await expect(stream.result).rejects.toBeInstanceOf(RunCancelledError)
    expect(reason).toBeInstanceOf(RunCancelledError)
  })
})

describe('step output and options', () => {
  it('fails (without retrying) a step whose output is not { state?, result? } of JSON', async () => {
    const attempt = async (output: unknown) => {
      let calls = 0
      const job = steps({ name: 'o' }).step({
        name: 'bad',
        retries: 3,
        retryDelay: 0,
        run: () => {
          calls++
          return output as undefined
        },
      })
      const error = (await job.run().catch((e: unknown) => e)) as StepFailedError
      expect(error).toBeInstanceOf(StepFailedError)
      expect(calls).toBe(1)
      expect(error.cause).toBeInstanceOf(ConfigError)
      return (error.cause as Error).message
    }
    expect(await attempt({ result: { when: new Date(0) } })).toMatch(
      /Step "bad" returned result\.when is a Date object, not plain JSON/,
    )
    expect(await attempt({ state: { n: Number.NaN } })).toMatch(/returned state\.n is NaN/)
    expect(await attempt(42)).toMatch(/returned a number; a step returns \{ state\?, result\? \}/)
    expect(await attempt({ value: 1 })).toMatch(/unknown field\(s\) "value"/)
  })

  it('gives each step read-only state and results, so steps change state only by returning it', async () => {
    const job = steps({ name: 'ro', initialState: { list: [1] } })
      .step({ name: 'a', run: () => ({ result: { n: 1 } }) })
      .step({
        name: 'mutate',
        run: ({ state, results }) => {
          expect(Object.isFrozen(state.list)).toBe(true)
          expect(Object.isFrozen(results.a)).toBe(true)
          ;(state.list as number[]).push(2)
        },
      })
    const error = (await job.run().catch((e: unknown) => e)) as StepFailedError
    expect(error.cause).toBeInstanceOf(TypeError)
  })

  it('rejects bad definitions with a ConfigError naming the field', () => {
    const job = steps({ name: 'v' }).step({ name: 'a', run: () => undefined })
    const bad = (definition: object) => () => job.step(definition as never)
    expect(bad({ name: 'a', run: () => undefined })).toThrow(/step "a": a step with this name already exists/)
    expect(bad({ name: '', run: () => undefined })).toThrow(/name must be a non-empty string/)
    expect(bad({ name: 'b' })).toThrow(/step "b": run must be a function/)
    expect(bad({ name: 'b', run: () => undefined, retries: -1 })).toThrow(
      /step "b": retries must be an integer >= 0/,
    )
    expect(bad({ name: 'b', run: () => undefined, timeout: 0 })).toThrow(/timeout must be a positive number/)
    expect(bad({ name: 'b', run: () => undefined, retryDelay: -5 })).toThrow(/retryDelay must be a number/)
    expect(bad({ name: 'b', run: () => undefined, backoff: 'linear' })).toThrow(/backoff must be 'fixed' or/)
    expect(() => steps({ name: '' })).toThrow(ConfigError)
    expect(() => steps({ name: 'x', initialState: { when: new Date() } as never })).toThrow(
      /initialState\.when is a Date object/,
    )
    expect(() => job.run({ jobId: '' })).toThrow(/job "v"\.run: jobId must be a non-empty string/)
    expect(() => job.run({ storage: {} as never })).toThrow(/storage must be a Storage/)
  })

  it('adding a step returns a new job and leaves the original unchanged', () => {
    const base = steps({ name: 'b' })
    const extended = base.step({ name: 's', run: () => undefined })
    expect(base.stepNames).toEqual([])
    expect(extended.stepNames).toEqual(['s'])
  })
})
