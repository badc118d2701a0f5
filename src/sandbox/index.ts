/**
 * A sandbox for model-written JavaScript: QuickJS compiled to WebAssembly (the optional peer
 * `quickjs-emscripten`), run off the main thread in a worker, with a fresh runtime and context per
 * call, memory, stack and time limits, a watchdog that terminates the worker at twice the
 * deadline, and a JSON-only boundary. Nothing of the host is reachable except the input and the
 * host functions you grant. See docs/sandbox.md for the limits and what they do not cover.
 *
 * @example
 * import { runInSandbox } from 'agentloop/sandbox'
 * const value = await runInSandbox('result = input.a + input.b', { input: { a: 2, b: 3 }, timeoutMs: 200 })
 *
 * @module
 */
export { SandboxError } from '../errors/errors.js'
export { executeInSandbox, runInSandbox, type SandboxResult } from './run-in-sandbox.js'
export {
  SANDBOX_DEFAULTS,
  type SandboxFunction,
  type SandboxOptions,
} from './sandbox-options.js'
export type { SandboxConsoleEntry, SandboxLimits } from './sandbox-protocol.js'
export { closeSandboxWorkers, setMaxSandboxWorkers } from './worker-pool.js'
