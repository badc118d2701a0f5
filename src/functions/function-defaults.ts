import { checkOptionKeys } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { Model } from '../model/model.js'
import type { ModelSettings } from '../model/model-request.js'

/** How an LLM function's model answers: a JSON value, or a JavaScript snippet run in the sandbox. */
export type FunctionMode = 'json' | 'code'

/** What code mode passes to the sandbox runner. `runInSandbox` from `agentloop/sandbox` fits. */
export interface SandboxRunOptions {
  input?: unknown
  timeoutMs?: number
  memoryLimitBytes?: number
  signal?: AbortSignal
  /** Host functions granted to the code, and any other option the runner understands. */
  [option: string]: unknown
}

/**
 * Runs a snippet and resolves with its JSON result; rejects with `SandboxError` when the code
 * fails. Pass `runInSandbox` from `agentloop/sandbox` (it is an optional peer, so LLM functions do
 * not load it themselves).
 */
export type SandboxRunner = (code: string, options: SandboxRunOptions) => Promise<unknown>

/** Settings every LLM function falls back to; set them once with {@link configureFunctions}. */
export interface FunctionDefaults {
  /** The model of functions that name none. */
  model?: Model
  /** Extra attempts after a rejected answer (default 3). */
  maxRetries: number
  /** Default `json`. */
  mode: FunctionMode
  /** Sent with every model call of a function that sets none. */
  modelSettings?: ModelSettings
  /** The sandbox code mode runs snippets in. */
  sandbox?: SandboxRunner
  /** Options for every sandbox call (deadline, memory, granted functions...). */
  sandboxOptions?: SandboxRunOptions
}

const FUNCTION_DEFAULT_KEYS = ['model', 'maxRetries', 'mode', 'modelSettings', 'sandbox', 'sandboxOptions']

const BUILT_IN: FunctionDefaults = { maxRetries: 3, mode: 'json' }
let current: FunctionDefaults = { ...BUILT_IN }

/**
 * Sets the defaults of every LLM function in one place (the model, retries, mode, the sandbox);
 * a function's own options win. Functions read the defaults when called, so the order does not
 * matter. Returns the new defaults.
 *
 * @example
 * import { runInSandbox } from 'agentloop/sandbox'
 * configureFunctions({ model: openai('gpt-4o-mini'), maxRetries: 2, sandbox: runInSandbox })
 */
export function configureFunctions(defaults: Partial<FunctionDefaults>): Readonly<FunctionDefaults> {
  if (typeof defaults !== 'object' || defaults === null) {
    throw new ConfigError({ message: 'configureFunctions(defaults): defaults must be an object.' })
  }
  checkOptionKeys(defaults, FUNCTION_DEFAULT_KEYS, 'configureFunctions')
  const next = { ...current }
  for (const [key, value] of Object.entries(defaults)) {
    if (value === undefined) continue
    ;(next as unknown as Record<string, unknown>)[key] = value
  }
  checkMaxRetries(next.maxRetries, 'configureFunctions: maxRetries')
  checkMode(next.mode, 'configureFunctions: mode')
  if (next.sandbox !== undefined && typeof next.sandbox !== 'function') {
    throw new ConfigError({
      message:
        "configureFunctions: sandbox must be a function such as runInSandbox from 'agentloop/sandbox'.",
    })
  }
  current = next
  return current
}

/** The current defaults. */
export function getFunctionDefaults(): Readonly<FunctionDefaults> {
  return current
}

/** Restores the built-in defaults (for tests). */
export function resetFunctionDefaults(): void {
  current = { ...BUILT_IN }
}

export function checkMaxRetries(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError({ message: `${field} must be a whole number >= 0; got ${String(value)}.` })
  }
  return value
}

export function checkMode(value: unknown, field: string): FunctionMode {
  if (value !== 'json' && value !== 'code') {
    throw new ConfigError({ message: `${field} must be 'json' or 'code'; got ${JSON.stringify(value)}.` })
  }
  return value
}
