import { describe, expect, it } from 'vitest'
import { ConfigError, ModelError } from '../errors/errors.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { createCircuitBreaker } from './circuit-breaker.js'
import { createCircuitBreakers, withCircuitBreaker } from './circuit-breakers.js'
import type { CircuitStateChange } from './circuit-state.js'
import type { Model } from './model.js'

/** A clock the test moves by hand. */
function fakeClock(start = Date.UTC(2026, 11, 2, 3, 0, 0)) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

const unavailable = (retryAfterMs?: number) =>
  new ModelError({
    provider: 'acme',
    statusCode: 503,
    isRetryable: true,
    message: 'acme request failed (status 503): overloaded.',
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  })
const badRequest = () =>
  new ModelError({ provider: 'acme', statusCode: 400, isRetryable: false, message: 'bad request' })

/** A model whose next calls fail or succeed as the test says, counting the calls that reached it. */
function controlledModel(provider = 'acme') {
  const outcomes: (Error | 'ok')[] = []
  let calls = 0
  const model: Model = {
    specificationVersion: 'agentloop.model.v1',
    provider,
    modelId: 'm1',
    async generate() {
      calls++
      const outcome = outcomes.shift() ?? 'ok'
      if (outcome !== 'ok') throw outcome
      return {
        content: [{ type: 'text', text: 'hi' }],
        outputText: 'hi',
        toolCalls: [],
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      } as unknown as Awaited<ReturnType<Model['generate']>>
    },
    async *stream() {
      calls++
      const outcome = outcomes.shift() ?? 'ok'
      if (outcome !== 'ok') throw outcome
      yield { type: 'text.delta', delta: 'hi' }
      yield {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      }
    },
  } as Model
  return {
    model,
    fail: (...errors: Error[]) => outcomes.push(...errors),
    succeed: () => outcomes.push('ok'),
    get calls() {
      return calls
    },
  }
}

const request = { messages: [{ role: 'user' as const, content: 'Hi' }] }

async function settle(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'ok',
    (error: unknown) => error,
  )
}

describe('circuit breaker: closed -> open', () => {
  it('opens after consecutiveFailures retryable failures and then fails fast with a 503 ModelError naming when it retries', async () => {
    const clock = fakeClock()
    const fake = controlledModel()
    const model = withCircuitBreaker(fake.model, {
      consecutiveFailures: 3,
      halfOpenAfterMs: 30_000,
      now: clock.now,
    })
    fake.fail(unavailable(), unavailable(), unavailable())
    for (let i = 0; i < 3; i++) expect(await settle(model.generate(request))).toBeInstanceOf(ModelError)
    expect(fake.calls).toBe(3)

    const fast = (await settle(model.generate(request))) as ModelError
    expect(fake.calls).toBe(3) // no request reached the provider
    expect(fast).toBeInstanceOf(ModelError)
    expect(fast.statusCode).toBe(503)
    expect(fast.isRetryable).toBe(true)
    expect(fast.code).toBe('circuit_open')
    expect(fast.retryAfterMs).toBe(30_000)
    expect(fast.message).toContain('Circuit open for acme')
    expect(fast.message).toContain(new Date(clock.now() + 30_000).toISOString())
    expect(fast.message).toContain('in 30 s')
    expect(fast.message).toContain('overloaded')

    clock.advance(10_000)
    const later = (await settle(model.generate(request))) as ModelError
    expect(later.retryAfterMs).toBe(20_000)
  })

  it('does not count errors that are not retryable (the provider answered): they reset the run of failures', async () => {
    const fake = controlledModel()
    const model = withCircuitBreaker(fake.model, { consecutiveFailures: 2, now: fakeClock().now })
    fake.fail(unavailable(), badRequest(), unavailable(), badRequest())
    for (let i = 0; i < 4; i++) await settle(model.generate(request))
    expect(model.circuitBreaker.snapshot().state).toBe('closed')
    fake.fail(unavailable(), unavailable())
    await settle(model.generate(request))
    await settle(model.generate(request))
    expect(model.circuitBreaker.snapshot().state).toBe('open')
  })

  it('opens on the failure rate over the rolling window once it holds minimumCalls calls', async () => {
    const clock = fakeClock()
    const breaker = createCircuitBreaker(
      { provider: 'acme' },
      { consecutiveFailures: 0, failureRate: 0.5, minimumCalls: 6, windowMs: 10_000, now: clock.now },
    )
    const call = (ok: boolean) => {
      const permit = breaker.acquire()
      permit.done(ok ? undefined : unavailable())
    }
    // Failures alternate with successes: no run of failures, but half the calls fail.
    for (const ok of [false, true, false, true, false]) call(ok)
    expect(breaker.snapshot().state).toBe('closed') // 5 calls: under the minimum volume
    call(true)
    expect(breaker.snapshot().window).toEqual({ calls: 6, failures: 3, windowMs: 10_000 })
    expect(breaker.snapshot().state).toBe('closed') // the last call succeeded: no new failure to judge
    call(false)
    expect(breaker.snapshot().state).toBe('open')
  })

  it('forgets failures older than the window', () => {
    const clock = fakeClock()
    const breaker = createCircuitBreaker(
      { provider: 'acme' },
      { consecutiveFailures: 0, failureRate: 0.5, minimumCalls: 4, windowMs: 10_000, now: clock.now },
    )
    for (let i = 0; i < 3; i++) breaker.acquire().done(unavailable())
    clock.advance(11_000)
    expect(breaker.snapshot().window.calls).toBe(0)
    breaker.acquire().done()
    breaker.acquire().done()
    breaker.acquire().done()
    breaker.acquire().done(unavailable())
    expect(breaker.snapshot().state).toBe('closed') // 1 of 4 in the window, not 4 of 7
  })
})

describe('circuit breaker: open -> half-open -> closed or open', () => {
  it('lets exactly one probe through after halfOpenAfterMs; its success closes the circuit', async () => {
    const clock = fakeClock()
    const fake = controlledModel()
    const model = withCircuitBreaker(fake.model, {
      consecutiveFailures: 1,
      halfOpenAfterMs: 5_000,
      now: clock.now,
    })
    fake.fail(unavailable())
    await settle(model.generate(request))
    const breaker = model.circuitBreaker
    clock.advance(5_000)
    expect(breaker.snapshot().state).toBe('half-open')

    const probe = breaker.acquire() // the probe is in flight
    const second = (await settle(model.generate(request))) as ModelError
    expect(second.code).toBe('circuit_open')
    expect(second.message).toContain('a probe call is testing the provider')
    probe?.done()
    expect(breaker.snapshot().state).toBe('closed')
    expect(await settle(model.generate(request))).toBe('ok')
  })

  it('reopens for another halfOpenAfterMs when the probe fails', async () => {
    const clock = fakeClock()
    const fake = controlledModel()
    const model = withCircuitBreaker(fake.model, {
      consecutiveFailures: 1,
      halfOpenAfterMs: 5_000,
      now: clock.now,
    })
    fake.fail(unavailable(), unavailable())
    await settle(model.generate(request))
    clock.advance(5_000)
    await settle(model.generate(request)) // the probe, failing
    expect(fake.calls).toBe(2)
    const snapshot = model.circuitBreaker.snapshot()
    expect(snapshot?.state).toBe('open')
    expect(snapshot?.opened).toBe(2)
    expect(snapshot?.retryAt).toBe(new Date(clock.now() + 5_000).toISOString())
    expect(((await settle(model.generate(request))) as ModelError).code).toBe('circuit_open')
    expect(fake.calls).toBe(2)
  })

  it('a probe abandoned by its caller frees the slot; a probe that never settles is lost after halfOpenAfterMs', () => {
    const clock = fakeClock()
    const breaker = createCircuitBreaker(
      { provider: 'acme' },
      { consecutiveFailures: 1, halfOpenAfterMs: 1_000, now: clock.now },
    )
    breaker.acquire().done(unavailable())
    clock.advance(1_000)
    breaker.acquire().release()
    const stuck = breaker.acquire() // a new probe may go at once
    expect(() => breaker.acquire()).toThrow(/Circuit open/)
    clock.advance(1_000)
    breaker.acquire().done() // the stuck probe is presumed lost: this one decides
    expect(breaker.snapshot().state).toBe('closed')
    stuck.done(unavailable()) // the lost probe answers late: an ordinary failure of the closed circuit
    expect(breaker.snapshot().consecutiveFailures).toBe(1)
  })

  it('keeps the circuit open as long as the provider Retry-After asks, capped at maxOpenMs', async () => {
    const clock = fakeClock()
    const fake = controlledModel()
    const model = withCircuitBreaker(fake.model, {
      consecutiveFailures: 1,
      halfOpenAfterMs: 1_000,
      maxOpenMs: 60_000,
      now: clock.now,
    })
    fake.fail(unavailable(45_000))
    await settle(model.generate(request))
    expect(((await settle(model.generate(request))) as ModelError).retryAfterMs).toBe(45_000)

    model.circuitBreaker.reset()
    fake.fail(unavailable(3_600_000))
    await settle(model.generate(request))
    expect(((await settle(model.generate(request))) as ModelError).retryAfterMs).toBe(60_000)
  })
})

describe('circuit breaker: state, reset and events', () => {
  it('reports every change to listeners and an admin reset closes it', async () => {
    const clock = fakeClock()
    const changes: CircuitStateChange[] = []
    const breakers = createCircuitBreakers({ consecutiveFailures: 2, halfOpenAfterMs: 1_000, now: clock.now })
    const stop = breakers.onStateChange((change) => changes.push(change))
    const fake = controlledModel('openai')
    const model = breakers.wrap(fake.model, { baseURL: 'https://api.example.com/v1/' })
    fake.fail(unavailable(), unavailable(), unavailable())
    await settle(model.generate(request))
    await settle(model.generate(request))
    clock.advance(1_000)
    await settle(model.generate(request)) // probe fails
    const [state] = breakers.list()
    expect(state).toMatchObject({
      key: 'openai@https://api.example.com/v1',
      provider: 'openai',
      baseURL: 'https://api.example.com/v1',
      state: 'open',
      opened: 2,
      lastFailure: { statusCode: 503, message: 'acme request failed (status 503): overloaded.' },
    })
    expect(breakers.reset('openai@https://api.example.com/v1')).toBe(1)
    expect(breakers.list()[0]?.state).toBe('closed')
    expect(await settle(model.generate(request))).toBe('ok')
    expect(changes.map((change) => `${change.from}->${change.to}:${change.reason}`)).toEqual([
      'closed->open:consecutive-failures',
      'open->half-open:half-open',
      'half-open->open:probe-failed',
      'open->closed:reset',
    ])
    expect(changes[0]?.retryAt).toBe(new Date(clock.now()).toISOString())
    stop()
    expect(() => breakers.reset('nope')).toThrow(/No circuit breaker has the key "nope"/)
  })

  it('keys circuits on provider and baseURL: one endpoint failing leaves the others closed', async () => {
    const breakers = createCircuitBreakers({ consecutiveFailures: 1, now: fakeClock().now })
    const a = controlledModel('openai')
    const b = controlledModel('openai')
    const local = breakers.wrap(a.model, { baseURL: 'http://127.0.0.1:11434/v1' })
    const sameEndpoint = breakers.wrap(controlledModel('openai').model, {
      baseURL: 'http://127.0.0.1:11434/v1/',
    })
    const official = breakers.wrap(b.model)
    a.fail(unavailable())
    await settle(local.generate(request))
    expect(((await settle(sameEndpoint.generate(request))) as ModelError).code).toBe('circuit_open')
    expect(await settle(official.generate(request))).toBe('ok')
    expect(breakers.list().map((state) => `${state.key}=${state.state}`)).toEqual([
      'openai=closed',
      'openai@http://127.0.0.1:11434/v1=open',
    ])
  })

  it('applies per-provider settings over the defaults', async () => {
    const breakers = createCircuitBreakers({
      consecutiveFailures: 5,
      providers: { ollama: { consecutiveFailures: 1 } },
    })
    const fake = controlledModel('ollama')
    fake.fail(unavailable())
    await settle(breakers.wrap(fake.model).generate(request))
    expect(breakers.list()[0]?.state).toBe('open')
  })
})

describe('circuit breaker: streams', () => {
  it('counts a stream that fails before its first part, and fails fast before any part once open', async () => {
    const model = withCircuitBreaker(
      scriptedModel([{ error: unavailable() }, { text: 'never' }], { provider: 'acme' }),
      {
        consecutiveFailures: 1,
        now: fakeClock().now,
      },
    )
    const read = async () => {
      const parts: string[] = []
      for await (const part of model.stream(request)) parts.push(part.type)
      return parts
    }
    expect(await settle(read())).toBeInstanceOf(ModelError)
    const fast = (await settle(read())) as ModelError
    expect(fast.code).toBe('circuit_open')
  })

  it('a completed stream closes a half-open circuit; a stream the caller drops gives no verdict', async () => {
    const clock = fakeClock()
    const model = withCircuitBreaker(
      scriptedModel([{ error: unavailable() }, { text: 'a long answer' }, { text: 'ok' }], {
        provider: 'acme',
      }),
      { consecutiveFailures: 1, halfOpenAfterMs: 1_000, now: clock.now },
    )
    await settle(
      (async () => {
        for await (const _ of model.stream(request));
      })(),
    )
    clock.advance(1_000)
    for await (const _ of model.stream(request)) break // the probe, dropped after one part
    expect(model.circuitBreaker.snapshot().state).toBe('half-open')
    for await (const _ of model.stream(request));
    expect(model.circuitBreaker.snapshot().state).toBe('closed')
  })

  it('a call cancelled by its signal is no verdict on the provider', async () => {
    const model = withCircuitBreaker(
      scriptedModel([{ text: 'slow', delayMs: 5_000 }], { provider: 'acme' }),
      {
        consecutiveFailures: 1,
      },
    )
    const controller = new AbortController()
    const pending = settle(model.generate(request, { signal: controller.signal }))
    controller.abort(new Error('stop'))
    await pending
    expect(model.circuitBreaker.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 0 })
  })
})

describe('circuit breaker: options', () => {
  it('rejects bad settings with a ConfigError naming the option', () => {
    const model = controlledModel().model
    expect(() => withCircuitBreaker(model, { failureRate: 2 })).toThrow(
      /failureRate must be a number above 0 and at most 1/,
    )
    expect(() => withCircuitBreaker(model, { halfOpenAfterMs: -1 })).toThrow(
      /halfOpenAfterMs must be an integer >= 1/,
    )
    expect(() => withCircuitBreaker(model, { consecutiveFailures: 0 })).toThrow(
      /nothing could open the circuit/,
    )
    expect(() => createCircuitBreakers({ halfOpenAfter: 5 } as never)).toThrow(
      /unknown option "halfOpenAfter". Did you mean "halfOpenAfterMs"/,
    )
    expect(() => createCircuitBreakers({ providers: { openai: { minimumCalls: 0 } } })).toThrow(ConfigError)
    expect(() =>
      withCircuitBreaker(model, { breakers: createCircuitBreakers(), consecutiveFailures: 2 }),
    ).toThrow(/not both/)
  })

  it('keeps the model identity and capabilities', () => {
    const inner = scriptedModel([], {
      provider: 'acme',
      modelId: 'x1',
      capabilities: { contextWindow: 1000 },
    })
    const model = withCircuitBreaker(inner)
    expect(model).toMatchObject({ provider: 'acme', modelId: 'x1', capabilities: { contextWindow: 1000 } })
    expect(model.circuitBreaker.key).toBe('acme')
  })
})

describe('circuit breakers on a runtime', () => {
  it('createModelRegistry({ wrap }) guards every referenced model: a run fails fast once the circuit is open', async () => {
    const { Agent } = await import('../agent/agent.js')
    const { Runtime } = await import('../run/runtime.js')
    const { createModelRegistry } = await import('./model-registry.js')
    const fake = controlledModel('acme')
    fake.fail(unavailable(), unavailable())
    const breakers = createCircuitBreakers({ consecutiveFailures: 2, now: fakeClock().now })
    const runtime = new Runtime({
      models: createModelRegistry({
        builtins: false,
        providers: { acme: () => fake.model },
        wrap: breakers.wrap,
      }),
    })
    const agent = new Agent({ name: 'a', instructions: 'Answer.', model: 'acme:m1' })
    for (let i = 0; i < 2; i++) await expect(runtime.run(agent, 'Hi')).rejects.toThrow(/overloaded/)
    await expect(runtime.run(agent, 'Hi')).rejects.toThrow(/Circuit open for acme/)
    expect(fake.calls).toBe(2)
    expect(breakers.list()).toMatchObject([{ key: 'acme', state: 'open', consecutiveFailures: 2 }])
  })
})
