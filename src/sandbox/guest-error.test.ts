import { newQuickJSWASMModule, RELEASE_SYNC } from 'quickjs-emscripten'
import { describe, expect, it } from 'vitest'
import { runGuest } from './guest-run.js'
import { SANDBOX_DEFAULTS } from './sandbox-options.js'

// In-process (no worker, no host deadline timer): how the guest itself classifies what was thrown.
const quickjs = await newQuickJSWASMModule(RELEASE_SYNC)
const run = (code: string) =>
  runGuest(
    quickjs,
    {
      type: 'run',
      jobId: 1,
      code,
      inputText: 'null',
      limits: { ...SANDBOX_DEFAULTS, timeoutMs: 400 },
      functionNames: [],
    },
    async () => ({ ok: false, message: 'no host functions' }),
  )

describe('a thrown value read by the guest', () => {
  it('whose name or message getter loops is a timeout, not an unreadable runtime error', async () => {
    for (const code of [
      'throw { get name() { for (;;) {} }, get message() { for (;;) {} } }',
      'const error = new Error("x"); Object.defineProperty(error, "message", { get() { for (;;) {} } }); throw error',
      'await Promise.reject({ get name() { while (true) {} } })',
    ]) {
      const { outcome } = await run(code)
      expect(outcome.ok, code).toBe(false)
      expect(outcome.ok === false && outcome.kind, code).toBe('timeout')
    }
  })

  it('whose getters merely throw is still a runtime error', async () => {
    const { outcome } = await run('throw { get name() { throw 1 } }')
    expect(outcome.ok === false && outcome.kind).toBe('runtime')
  })
})
