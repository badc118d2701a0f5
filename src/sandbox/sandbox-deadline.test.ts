import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { SandboxError } from '../errors/errors.js'
import { runInSandbox } from './run-in-sandbox.js'
import { setMaxSandboxWorkers } from './worker-pool.js'

// The deadline holds for everything a call does: the guest's code, the host functions it calls
// (their own time counts), and the wait for a free worker (its signal still cancels it).
const figures: Record<string, number | string>[] = []

/** Samples the host's event loop every 5 ms; returns the worst lag seen. */
function lagMonitor(): { stop(): number } {
  let worst = 0
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last - 5)
    last = now
  }, 5)
  return {
    stop() {
      clearInterval(timer)
      return worst
    },
  }
}

function busyWait(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // A synchronous host function that takes its time.
  }
}

beforeAll(async () => {
  await runInSandbox('result = 0')
})

// Each case starts with an idle worker ready, so a worker's cold start is not counted.
beforeEach(async () => {
  await runInSandbox('result = 0')
})

afterAll(() => {
  setMaxSandboxWorkers(2)
  console.table(figures)
})

describe('the deadline covers host functions', () => {
  it('ends 100 queued calls to a 20 ms synchronous host function near the 300 ms deadline', async () => {
    const invokedAt: number[] = []
    const slow = (index: unknown) => {
      invokedAt.push(performance.now())
      busyWait(20)
      return index
    }
    const monitor = lagMonitor()
    const started = performance.now()
    const error = await runInSandbox(
      'return await Promise.all(Array.from({ length: 100 }, (_, index) => slow(index)))',
      { timeoutMs: 300, functions: { slow } },
    ).catch((caught: unknown) => caught)
    const settledAt = performance.now()
    const elapsed = settledAt - started
    const lag = monitor.stop()
    await new Promise((resolve) => setTimeout(resolve, 100))
    figures.push({
      case: '100 queued calls x 20 ms sync, 300 ms deadline',
      elapsedMs: Math.round(elapsed),
      callsRun: invokedAt.length,
      worstHostLagMs: Math.round(lag),
    })
    expect(error).toBeInstanceOf(SandboxError)
    expect((error as SandboxError).kind).toBe('timeout')
    // Before: 2.5 s (every queued call ran, one after another) and the host blocked for 2 s.
    // Near the deadline; the bound leaves room for a loaded machine (before the fix: 2.6 s here).
    expect(elapsed).toBeLessThan(1000)
    expect(invokedAt.length).toBeLessThan(20)
    expect(invokedAt.every((time) => time < settledAt)).toBe(true)
    // Each call runs in its own turn of the event loop: the host lags by one call, not by all of them.
    expect(lag).toBeLessThan(250)
  })

  it("counts a host function's own time against the deadline", async () => {
    const started = performance.now()
    const error = await runInSandbox('return await wait()', {
      timeoutMs: 200,
      functions: { wait: () => new Promise((resolve) => setTimeout(() => resolve('late'), 2000)) },
    }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ kind: 'timeout' })
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describe('a call waiting for a free worker', () => {
  it('rejects at once when its signal aborts', async () => {
    setMaxSandboxWorkers(1)
    try {
      const busy = runInSandbox('while (true) {}', { timeoutMs: 1500 }).catch((caught: unknown) => caught)
      // Let the first call take the only worker.
      await new Promise((resolve) => setTimeout(resolve, 50))
      const controller = new AbortController()
      const queued = runInSandbox('return 1', { signal: controller.signal })
      setTimeout(() => controller.abort(new Error('no longer needed')), 50)
      const started = performance.now()
      await expect(queued).rejects.toThrow('no longer needed')
      const waited = performance.now() - started
      figures.push({ case: 'abort a call queued for a worker', elapsedMs: Math.round(waited) })
      // Before: it waited for the busy worker (up to 1.5 s here).
      expect(waited).toBeLessThan(500)
      expect(await busy).toMatchObject({ kind: 'timeout' })
      expect(await runInSandbox('return 2')).toBe(2)
    } finally {
      setMaxSandboxWorkers(2)
    }
  })
})

describe('a thrown value that loops when read', () => {
  it('is a timeout, not a runtime error', async () => {
    const codes = [
      'throw { get name() { for (;;) {} }, get message() { for (;;) {} } }',
      'const error = new Error("x"); Object.defineProperty(error, "message", { get() { for (;;) {} } }); throw error',
      'await Promise.reject({ get name() { while (true) {} } })',
    ]
    for (const code of codes) {
      const error = await runInSandbox(code, { timeoutMs: 150 }).catch((caught: unknown) => caught)
      expect(error, code).toBeInstanceOf(SandboxError)
      expect((error as SandboxError).kind, code).toBe('timeout')
      expect((error as SandboxError).message, code).not.toMatch(/could not be read/)
    }
  })
})
