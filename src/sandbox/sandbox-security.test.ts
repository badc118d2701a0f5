import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SandboxError } from '../errors/errors.js'
import { executeInSandbox, runInSandbox } from './run-in-sandbox.js'
import type { SandboxOptions } from './sandbox-options.js'

// Every attack runs with a short deadline. For each one the test records the figures that make it
// a pass: how the call ended, how long it took to stop, the host's worst event-loop lag while it
// ran, and whether the next call on the sandbox works. The table is printed at the end.
const T = 150
const STOP_SLACK_MS = 400
// Generous for loaded CI machines; the dedicated responsiveness test below uses a longer attack.
const LAG_LIMIT_MS = 250
const figures: { attack: string; outcome: string; stoppedMs: number; hostLagMs: number; nextCall: string }[] =
  []

interface Attack {
  name: string
  code: string
  options?: SandboxOptions
  /** The expected failure kind, or a check of the value when the code must complete. */
  expectKind?: SandboxError['kind'] | SandboxError['kind'][]
  expectMessage?: RegExp
  expectValue?: (value: unknown) => void
}

/** Runs the attack while measuring the host's event-loop lag, then proves the next call works. */
async function attack(spec: Attack): Promise<void> {
  let lag = 0
  let last = performance.now()
  const ticker = setInterval(() => {
    const now = performance.now()
    lag = Math.max(lag, now - last - 5)
    last = now
  }, 5)
  // Attacks meant to hit the deadline get the short one; the others get room for a loaded machine.
  const timeoutMs = spec.options?.timeoutMs ?? ([spec.expectKind].flat().includes('timeout') ? T : 1000)
  const started = performance.now()
  let outcome: string
  try {
    const value = await runInSandbox(spec.code, { timeoutMs, ...spec.options })
    outcome = 'completed'
    expect(spec.expectValue, `${spec.name} should have failed`).toBeDefined()
    spec.expectValue?.(value)
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error
    outcome = `SandboxError ${error.kind}`
    expect([spec.expectKind].flat(), error.message).toContain(error.kind)
    if (spec.expectMessage !== undefined) expect(error.message).toMatch(spec.expectMessage)
    expectNoHostDetails(error.message)
    expectNoHostDetails(error.stack ?? '')
  } finally {
    clearInterval(ticker)
  }
  const stoppedMs = performance.now() - started
  const next = await runInSandbox('result = 1 + 1 + (typeof polluted === "undefined" ? 0 : 100)')
  figures.push({
    attack: spec.name,
    outcome,
    stoppedMs: Math.round(stoppedMs),
    hostLagMs: Math.round(lag),
    nextCall: next === 2 ? 'ok' : `got ${String(next)}`,
  })
  expect(stoppedMs).toBeLessThan(2 * timeoutMs + STOP_SLACK_MS)
  expect(lag).toBeLessThan(LAG_LIMIT_MS)
  expect(next).toBe(2)
}

function expectNoHostDetails(text: string): void {
  expect(text).not.toContain(process.cwd())
  expect(text).not.toMatch(/node_modules|file:\/\/|node:internal|\.mjs|wasm-function/)
}

beforeAll(async () => {
  // Start the worker first, so its cold start is not counted as an attack's time.
  await runInSandbox('result = 0')
})

afterAll(() => {
  console.table(figures)
})

describe('sandbox attacks', () => {
  const attacks: Attack[] = [
    { name: 'infinite loop', code: 'while (true) {}', expectKind: 'timeout' },
    {
      name: 'nested infinite loop with catch',
      code: 'for (;;) { try { for (;;) { try { while (true) {} } catch (e) {} } } catch (e) {} }',
      expectKind: 'timeout',
    },
    {
      name: 'async microtask loop',
      code: 'async function spin() { for (;;) await null } await spin()',
      expectKind: 'timeout',
    },
    {
      name: 'promise-chain microtask loop',
      code: 'function again() { return Promise.resolve().then(again) } await again()',
      expectKind: 'timeout',
    },
    {
      name: 'deep recursion',
      code: 'function f(n) { return f(n + 1) + 1 } return f(0)',
      expectKind: 'memory',
      expectMessage: /stack/,
    },
    {
      name: 'memory bomb: growing arrays',
      code: 'const keep = []; for (;;) keep.push([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])',
      // The memory limit must stop it, not the deadline, even on a slow machine.
      options: { memoryLimitBytes: 4 * 1024 * 1024, timeoutMs: 5000 },
      expectKind: 'memory',
    },
    {
      // Filling a sparse array is native code that neither allocates past the limit quickly nor
      // reaches the interrupt handler often: whichever limit stops it first is a pass.
      name: 'memory bomb: filling huge sparse arrays',
      code: 'const keep = []; for (;;) keep.push(new Array(100000).fill(1))',
      options: { memoryLimitBytes: 8 * 1024 * 1024 },
      expectKind: ['memory', 'timeout'],
    },
    {
      name: "memory bomb: 'x'.repeat(2**29)",
      code: "return 'x'.repeat(2 ** 29).length",
      expectKind: 'memory',
    },
    {
      name: 'memory bomb: doubling strings',
      code: "let s = 'x'; for (;;) s = s + s",
      expectKind: 'memory',
    },
    {
      name: 'memory bomb: huge ArrayBuffer',
      code: 'return new Uint8Array(2 ** 30 - 1).length',
      expectKind: 'memory',
    },
    {
      name: "new Array(1e9) + '' (watchdog)",
      code: "return (new Array(1e9) + '').length",
      expectKind: 'timeout',
      // The caller gets its timeout at the deadline; the watchdog terminates the stuck worker at 2x
      // (the next call, on a fresh worker, proves it).
      expectMessage: /deadline/,
    },
    {
      name: 'huge result',
      code: "result = 'x'.repeat(2 * 1024 * 1024)",
      // Serialising 2 MiB is native work the interrupt handler cannot cut short: room for a slow machine.
      options: { timeoutMs: 3000 },
      expectKind: 'output',
      expectMessage: /1048576/,
    },
    {
      name: 'deep nesting in JSON.stringify',
      code: 'let o = {}; for (let i = 0; i < 100000; i++) o = { o }; return JSON.stringify(o).length',
      expectKind: ['memory', 'timeout'],
    },
    {
      name: 'deep nesting in the result',
      code: 'let o = {}; for (let i = 0; i < 100000; i++) o = { o }; result = o',
      expectKind: 'output',
      expectMessage: /nested deeper/,
    },
    {
      name: 'result nested deeper than 256 levels',
      code: 'let o = 1; for (let i = 0; i < 1000; i++) o = [o]; result = o',
      expectKind: 'output',
      expectMessage: /nested deeper/,
    },
    { name: 'ReDoS', code: "return /(a+)+$/.test('a'.repeat(40) + 'b')", expectKind: 'timeout' },
    {
      name: "this.constructor.constructor('return process')()",
      code: "return this.constructor.constructor('return process')().version",
      expectKind: 'runtime',
      expectMessage: /'process' is not defined/,
    },
    {
      name: 'Function constructor through a caught error',
      code: "try { null.f() } catch (e) { return e.constructor.constructor('return process')().env }",
      expectKind: 'runtime',
      expectMessage: /'process' is not defined/,
    },
    {
      name: 'host globals are undefined',
      code: `return [typeof process, typeof require, typeof module, typeof fetch, typeof setTimeout,
        typeof WebAssembly, typeof setInterval, typeof Buffer, typeof global, typeof importScripts]`,
      expectValue: (value) => expect(value).toEqual(new Array(10).fill('undefined')),
    },
    {
      name: 'dynamic import() of node modules',
      code: "const fs = await import('node:fs'); return typeof fs.readFileSync",
      expectKind: 'runtime',
    },
    {
      name: 'dynamic import() of a file path',
      code: `const m = await import(${JSON.stringify(new URL(import.meta.url).pathname)}); return Object.keys(m)`,
      expectKind: 'runtime',
    },
    {
      name: 'prototype pollution of guest built-ins',
      code: `Object.prototype.polluted = 'yes'; globalThis.polluted = 'yes'
        JSON.stringify = () => '{"hacked":true}'; Array.prototype.push = null; String.prototype.slice = null
        result = { ok: 1 }`,
      expectValue: (value) => {
        expect(value).toEqual({ ok: 1 })
        expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      },
    },
    {
      name: '__proto__ payload in the result',
      code: `result = JSON.parse('{"a": {"__proto__": {"isAdmin": true}}}')`,
      expectKind: 'output',
      expectMessage: /__proto__/,
    },
    {
      name: 'constructor payload in the result',
      code: 'result = { constructor: { prototype: { isAdmin: true } } }',
      expectKind: 'output',
      expectMessage: /constructor/,
    },
    {
      name: 'toJSON that loops during serialisation',
      code: 'result = { toJSON() { for (;;) {} } }',
      expectKind: 'timeout',
    },
    {
      name: 'getter that loops during serialisation',
      code: 'result = { get x() { while (true) {} } }',
      expectKind: 'timeout',
    },
    {
      name: 'Proxy that loops during serialisation',
      code: 'result = new Proxy({}, { ownKeys() { for (;;) {} } })',
      expectKind: 'timeout',
    },
    {
      name: 'Error.prepareStackTrace tricks',
      code: `Error.prepareStackTrace = (error, frames) => frames.map((f) => String(f.getFileName && f.getFileName()))
        const target = {}
        if (Error.captureStackTrace) Error.captureStackTrace(target)
        const error = new Error('probe')
        return { stack: String(error.stack), captured: String(target.stack), frames: typeof error.stack }`,
      expectValue: (value) => expectNoHostDetails(JSON.stringify(value)),
    },
    {
      name: 'Error.prepareStackTrace then throw',
      code: `Error.prepareStackTrace = () => 'host?'; function deep() { throw new Error('boom') } deep()`,
      expectKind: 'runtime',
      expectMessage: /Error: boom \(line 1\)/,
    },
    { name: 'eval loop', code: "eval('for (;;) {}')", expectKind: 'timeout' },
    { name: 'Function loop', code: "Function('while (1) {}')()", expectKind: 'timeout' },
    {
      name: 'console spam (infinite)',
      code: "for (;;) console.log('spam'.repeat(1000))",
      expectKind: 'timeout',
    },
  ]

  for (const spec of attacks) it(spec.name, () => attack(spec))

  it('console spam is capped and the code still completes', async () => {
    const started = performance.now()
    const result = await executeInSandbox(
      "for (let i = 0; i < 20000; i++) console.log('spam', i, { i }); result = 'done'",
      { timeoutMs: 10_000, maxConsoleBytes: 4096 },
    )
    const kept = result.console.reduce((total, entry) => total + entry.text.length + 1, 0)
    figures.push({
      attack: 'console spam (20,000 lines, finite)',
      outcome: `completed, ${kept} chars kept`,
      stoppedMs: Math.round(performance.now() - started),
      hostLagMs: 0,
      nextCall: 'ok',
    })
    expect(result.value).toBe('done')
    expect(result.consoleTruncated).toBe(true)
    expect(kept).toBeLessThanOrEqual(4096 + 1)
  })
})

describe('the host during an attack', () => {
  it('keeps its event loop running while the sandbox spins for 1.5 s', async () => {
    let ticks = 0
    let lag = 0
    let last = performance.now()
    const ticker = setInterval(() => {
      const now = performance.now()
      lag = Math.max(lag, now - last - 10)
      last = now
      ticks++
    }, 10)
    const started = performance.now()
    await expect(runInSandbox('for (;;) {}', { timeoutMs: 1500 })).rejects.toMatchObject({ kind: 'timeout' })
    clearInterval(ticker)
    const elapsed = performance.now() - started
    figures.push({
      attack: 'infinite loop, 1.5 s deadline (host timers)',
      outcome: `${ticks} ticks of 10 ms`,
      stoppedMs: Math.round(elapsed),
      hostLagMs: Math.round(lag),
      nextCall: 'ok',
    })
    // A blocked host would show one tick and a lag of the whole 1.5 s.
    expect(ticks).toBeGreaterThan(elapsed / 10 / 3)
    expect(lag).toBeLessThan(LAG_LIMIT_MS)
  })
})

describe('abuse of a granted host function', () => {
  it('rejects huge arguments in the guest, before they cross', async () => {
    let calls = 0
    await attack({
      name: 'host function: huge arguments',
      code: "return await lookup('x'.repeat(1e6))",
      options: { functions: { lookup: () => ++calls } },
      expectKind: 'runtime',
      expectMessage: /larger than 65536/,
    })
    expect(calls).toBe(0)
  })

  it('passes wrong-typed arguments as JSON only, and the function validates them', async () => {
    const seen: unknown[] = []
    const add = (...args: unknown[]) => {
      seen.push(args)
      if (!args.every((arg) => typeof arg === 'number')) throw new TypeError('add() takes numbers')
      return (args as number[]).reduce((a, b) => a + b, 0)
    }
    await attack({
      name: 'host function: wrong-typed arguments',
      code: "return await add('a', { b: () => 1, c: Symbol('s') }, undefined, 10n === 10n)",
      options: { functions: { add } },
      expectKind: 'runtime',
      expectMessage: /add\(\) failed: add\(\) takes numbers/,
    })
    expect(seen).toEqual([['a', {}, null, true]])
  })

  it('never leaks a host path from a host function error', async () => {
    await attack({
      name: 'host function: error with a host path',
      code: 'return await read()',
      options: {
        functions: {
          read: () => {
            throw new Error(`ENOENT: no such file ${process.cwd()}/secret/config.json`)
          },
        },
      },
      expectKind: 'runtime',
      expectMessage: /<path>/,
    })
  })

  it('caps the number of calls', async () => {
    let calls = 0
    await attack({
      name: 'host function: call flood',
      code: 'for (;;) await ping()',
      options: { functions: { ping: () => ++calls }, maxHostCalls: 20 },
      expectKind: 'runtime',
      expectMessage: /more than 20 times/,
    })
    expect(calls).toBe(20)
  })

  it('stops answering, and calling, after the deadline', async () => {
    const invokedAt: number[] = []
    const slow = () => {
      invokedAt.push(performance.now())
      return new Promise((resolve) => setTimeout(() => resolve('late'), 60))
    }
    await attack({
      name: 'host function: calls after the deadline',
      code: 'for (let i = 0; ; i++) await slow(i)',
      options: { functions: { slow } },
      expectKind: 'timeout',
    })
    const settledAt = performance.now()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(invokedAt.length).toBeGreaterThan(0)
    expect(invokedAt.every((time) => time < settledAt)).toBe(true)
  })

  it('rejects a non-JSON or oversized return value', async () => {
    await attack({
      name: 'host function: non-JSON return value',
      code: 'return await give()',
      options: { functions: { give: () => 10n } },
      expectKind: 'runtime',
      expectMessage: /not JSON/,
    })
  })
})
