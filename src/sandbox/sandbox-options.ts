import { ConfigError } from '../errors/errors.js'
import type { JsonValue } from '../util/json.js'
import type { SandboxLimits } from './sandbox-protocol.js'

/**
 * A host function granted to the sandboxed code. The guest calls it as an async function; the
 * arguments arrive as JSON values (validate them: the code is untrusted) and the return value goes
 * back as JSON. A thrown error reaches the guest as an `Error` with the message only.
 */
export type SandboxFunction = (...args: JsonValue[]) => unknown

/** Options of `runInSandbox`. Every limit has a default; see docs/sandbox.md. */
export interface SandboxOptions {
  /** A JSON value visible to the code as `input`. */
  input?: unknown
  /** Wall-clock deadline for the code, in milliseconds (default 1000). The worker is terminated at twice this. */
  timeoutMs?: number
  /** Memory the QuickJS runtime may allocate (default 64 MiB). */
  memoryLimitBytes?: number
  /** Stack the QuickJS runtime may use (default 512 KiB). */
  stackSizeBytes?: number
  /** The largest result, as JSON (default 1 MiB); the input is capped at the same size. */
  maxOutputBytes?: number
  /** Console output kept, in characters (default 16 KiB); the rest is dropped. */
  maxConsoleBytes?: number
  /** Host functions the code may call, by global name. Nothing else of the host is reachable. */
  functions?: Record<string, SandboxFunction>
  /** Host-function calls allowed per run (default 100). */
  maxHostCalls?: number
  /** The largest arguments or return value of one host-function call, as JSON (default 64 KiB). */
  maxHostCallBytes?: number
  /** Cancels the call: the worker is terminated and the promise rejects with the signal's reason. */
  signal?: AbortSignal
}

const MiB = 1024 * 1024

/** The default limits. */
export const SANDBOX_DEFAULTS: Readonly<SandboxLimits> = Object.freeze({
  timeoutMs: 1000,
  memoryLimitBytes: 64 * MiB,
  stackSizeBytes: 512 * 1024,
  maxOutputBytes: MiB,
  maxConsoleBytes: 16 * 1024,
  maxHostCalls: 100,
  maxHostCallBytes: 64 * 1024,
})

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/
const RESERVED = new Set(['input', 'result', 'console', 'globalThis', 'undefined', 'NaN', 'Infinity', 'eval'])

/** Checks the options and fills in the defaults; bad values throw `ConfigError` naming the option. */
export function resolveLimits(options: SandboxOptions): SandboxLimits {
  const limits = { ...SANDBOX_DEFAULTS }
  for (const key of Object.keys(SANDBOX_DEFAULTS) as (keyof SandboxLimits)[]) {
    const value = options[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new ConfigError({
        message: `runInSandbox: ${key} must be a positive number; got ${String(value)}.`,
      })
    }
    limits[key] = key === 'timeoutMs' ? value : Math.floor(value)
  }
  if (limits.memoryLimitBytes < MiB) {
    throw new ConfigError({
      message: `runInSandbox: memoryLimitBytes must be at least 1 MiB (${MiB}); got ${limits.memoryLimitBytes}.`,
    })
  }
  return limits
}

/** Checks the granted functions; returns their names. */
export function checkFunctions(functions: SandboxOptions['functions']): string[] {
  if (functions === undefined) return []
  if (typeof functions !== 'object' || functions === null) {
    throw new ConfigError({ message: 'runInSandbox: functions must be an object of { name: function }.' })
  }
  const names = Object.keys(functions)
  for (const name of names) {
    if (!IDENTIFIER.test(name) || RESERVED.has(name)) {
      throw new ConfigError({
        message: `runInSandbox: functions.${name} cannot be granted: use a JavaScript identifier other than ${[...RESERVED].join(', ')}.`,
      })
    }
    if (typeof functions[name] !== 'function') {
      throw new ConfigError({ message: `runInSandbox: functions.${name} must be a function.` })
    }
  }
  return names
}

/** The input as JSON text, or a `ConfigError` if it is not JSON or too large. */
export function serializeInput(input: unknown, maxBytes: number): string {
  if (input === undefined) return 'null'
  let text: string | undefined
  try {
    text = JSON.stringify(input)
  } catch (error) {
    throw new ConfigError({
      message: `runInSandbox: input must be a JSON value (${error instanceof Error ? error.message : String(error)}).`,
    })
  }
  if (text === undefined) {
    throw new ConfigError({ message: `runInSandbox: input must be a JSON value; got ${typeof input}.` })
  }
  if (Buffer.byteLength(text) > maxBytes) {
    throw new ConfigError({
      message: `runInSandbox: input is larger than ${maxBytes} bytes as JSON; pass less data or raise maxOutputBytes.`,
    })
  }
  return text
}
