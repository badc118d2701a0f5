import { type ContextOptions, resolveContextOptions } from '../context/context-options.js'
import { checkOptionKeys } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { ModelSettings } from '../model/model-request.js'
import { checkFunctionModel, type FunctionModel } from './function-model.js'

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
 * fails. `runInSandbox` from `agentloop/sandbox` fits; code mode loads it by itself when no runner
 * is given and `quickjs-emscripten` is installed.
 */
export type SandboxRunner = (code: string, options: SandboxRunOptions) => Promise<unknown>

/** Settings every LLM function falls back to; set them once with {@link configureFunctions}. */
export interface FunctionDefaults {
  /**
   * The model of functions that name none: a `Model` or a reference such as `'openai:gpt-4o-mini'`.
   * Without one, functions use the `AGENTLOOP_MODEL` environment variable.
   */
  model?: FunctionModel
  /** Extra attempts after a rejected answer (default 3). */
  maxRetries: number
  /** Default `json`. */
  mode: FunctionMode
  /** Sent with every model call of a function that sets none. */
  modelSettings?: ModelSettings
  /** The sandbox code mode runs snippets in (default: `agentloop/sandbox`, loaded on first use). */
  sandbox?: SandboxRunner
  /** Options for every sandbox call (deadline, memory, granted functions...). */
  sandboxOptions?: SandboxRunOptions
  /** The context budget of every model call (as an agent's `context` option). */
  context?: ContextOptions
  /**
   * The `.env` file read (once, when it exists, never overwriting set variables) before the
   * `AGENTLOOP_MODEL` fallback is looked up; default `'.env'` in the working directory, `false` for none.
   */
  envFile: string | false
}

const FUNCTION_DEFAULT_KEYS = [
  'model',
  'maxRetries',
  'mode',
  'modelSettings',
  'sandbox',
  'sandboxOptions',
  'context',
  'envFile',
]

const BUILT_IN: FunctionDefaults = { maxRetries: 3, mode: 'json', envFile: '.env' }
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
  if (next.model !== undefined) next.model = checkFunctionModel(next.model, 'configureFunctions: model')
  if (next.context !== undefined) resolveContextOptions(next.context, 'configureFunctions: context')
  if (next.envFile !== false && (typeof next.envFile !== 'string' || next.envFile === '')) {
    throw new ConfigError({
      message: `configureFunctions: envFile must be a file path such as '.env', or false; got ${JSON.stringify(next.envFile)}.`,
    })
  }
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
