import { describe, expect, it } from 'vitest'
import { ConfigError, SandboxError } from '../errors/errors.js'
import { executeInSandbox, runInSandbox } from './run-in-sandbox.js'
import { acquireWorker, releaseWorker } from './worker-pool.js'

describe('runInSandbox', () => {
  it('gives the code its input and resolves with what it assigns to result or returns', async () => {
    expect(await runInSandbox('result = input.a + input.b', { input: { a: 2, b: 3 } })).toBe(5)
    expect(await runInSandbox('return input.map((x) => x * 2)', { input: [1, 2] })).toEqual([2, 4])
    expect(await runInSandbox('const result = { ok: true }', {})).toEqual({ ok: true })
    expect(await runInSandbox('const x = await Promise.resolve(7); return x')).toBe(7)
    expect(await runInSandbox('let nothing = 1')).toBeUndefined()
    expect(await runInSandbox('return input')).toBeNull()
  })

  it('starts every call from a fresh context: nothing survives between calls', async () => {
    await runInSandbox('globalThis.leftover = 1; Object.prototype.tainted = true; result = 1')
    expect(await runInSandbox('return [typeof leftover, typeof ({}).tainted]')).toEqual([
      'undefined',
      'undefined',
    ])
  })

  it('reports syntax and runtime errors with the line of the snippet', async () => {
    await expect(runInSandbox('result = (')).rejects.toMatchObject({ kind: 'syntax' })
    const error = await runInSandbox('const a = 1\nconst b = null\nreturn b.c').catch((caught) => caught)
    expect(error).toBeInstanceOf(SandboxError)
    expect(error.kind).toBe('runtime')
    expect(error.message).toMatch(/TypeError: .*\(line 3\)/)
    await expect(runInSandbox("throw 'plain'")).rejects.toThrow(/threw "plain"/)
  })

  it('captures console output', async () => {
    const result = await executeInSandbox("console.log('a', 1, { b: 2 }); console.warn('w'); result = 1")
    expect(result.console).toEqual([
      { level: 'log', text: 'a 1 {"b":2}' },
      { level: 'warn', text: 'w' },
    ])
    expect(result.consoleTruncated).toBe(false)
    expect(result.durationMs).toBeGreaterThan(0)
  })

  it('lets the code await granted host functions, with JSON in and out', async () => {
    const value = await runInSandbox('const user = await getUser(input.id); return user.name.toUpperCase()', {
      input: { id: 7 },
      functions: { getUser: async (id) => ({ id, name: `user ${id}` }) },
    })
    expect(value).toBe('USER 7')
  })

  it('runs several calls at once', async () => {
    const values = await Promise.all(
      Array.from({ length: 6 }, (_, index) => runInSandbox('return input * input', { input: index })),
    )
    expect(values).toEqual([0, 1, 4, 9, 16, 25])
  })

  it('is cancelled by its signal: the worker stops and the call rejects with the reason', async () => {
    const controller = new AbortController()
    const pending = runInSandbox('while (true) {}', { timeoutMs: 10_000, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('stop')), 50)
    const started = performance.now()
    await expect(pending).rejects.toThrow('stop')
    expect(performance.now() - started).toBeLessThan(1000)
    expect(await runInSandbox('return 1')).toBe(1)
    await expect(runInSandbox('return 1', { signal: AbortSignal.abort(new Error('early')) })).rejects.toThrow(
      'early',
    )
  })

  it('never hands out a worker that died while idle', async () => {
    const first = await acquireWorker()
    releaseWorker(first)
    await first.worker.terminate()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(first.retired).toBe(true)
    expect(await runInSandbox('return 3')).toBe(3)
  })

  it('rejects bad options with a ConfigError naming the option', async () => {
    await expect(runInSandbox(42 as unknown as string)).rejects.toThrow(ConfigError)
    await expect(runInSandbox('1', { timeoutMs: -1 })).rejects.toThrow(/timeoutMs must be a positive number/)
    await expect(runInSandbox('1', { memoryLimitBytes: 1000 })).rejects.toThrow(/memoryLimitBytes/)
    await expect(runInSandbox('1', { input: { big: 1n } })).rejects.toThrow(/input must be a JSON value/)
    await expect(runInSandbox('1', { functions: { console: () => 1 } })).rejects.toThrow(/functions.console/)
    await expect(runInSandbox('1', { functions: { f: 1 as never } })).rejects.toThrow(/must be a function/)
  })
})
