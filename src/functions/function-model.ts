/**
 * Which model an LLM function calls: its own `model`, else the `model` of `configureFunctions`,
 * else the `AGENTLOOP_MODEL` environment variable (as for `npm start`), read after loading a
 * `.env` file when one is present. A model may be a `Model` or a reference such as
 * `'openai:gpt-4o-mini'`, resolved through the model registry like an agent's model string.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { errorMessage } from '../errors/describe-error.js'
import { ConfigError } from '../errors/errors.js'
import type { Model } from '../model/model.js'
import { isModelReference, modelReference } from '../model/model-reference.js'

/** The environment variable naming the default model of LLM functions (and of `npm start`). */
export const MODEL_VARIABLE = 'AGENTLOOP_MODEL'

/** A `Model`, or a model reference such as `'openai:gpt-4o-mini'` or `'anthropic:claude-haiku-4-5'`. */
export type FunctionModel = Model | string

/**
 * Checks a model option: a model reference becomes its stand-in (resolved through the default
 * model registry on the first call); anything that is neither a model nor a reference throws a
 * `ConfigError` naming `field`.
 */
export function checkFunctionModel(value: unknown, field: string): Model {
  if (typeof value === 'string') {
    try {
      return modelReference(value)
    } catch (error) {
      throw new ConfigError({ message: `${field}: ${errorMessage(error)}`, cause: error })
    }
  }
  if (!isModel(value)) {
    throw new ConfigError({
      message: `${field} must be a model reference such as 'openai:gpt-4o-mini', or a Model such as openai('gpt-4o-mini') or scriptedModel([...]); got ${typeof value}.`,
    })
  }
  return value
}

const loadedEnvFiles = new Set<string>()

/**
 * Loads a `.env` file into `process.env` once per path, when it exists. Variables already set win
 * (`process.loadEnvFile` never overwrites). Needs Node 20.12 or later; on older versions the file
 * is not read. Returns whether the file was loaded now.
 */
export function loadEnvFileOnce(path: string): boolean {
  const absolute = resolve(path)
  if (loadedEnvFiles.has(absolute)) return false
  loadedEnvFiles.add(absolute)
  if (typeof process.loadEnvFile !== 'function' || !existsSync(absolute)) return false
  try {
    process.loadEnvFile(absolute)
  } catch (error) {
    throw new ConfigError({
      message: `Could not read the environment file ${absolute}: ${errorMessage(error)}. Fix the file, or turn the lookup off with configureFunctions({ envFile: false }).`,
      cause: error,
    })
  }
  return true
}

/** Forgets which `.env` files were loaded (for tests). */
export function resetLoadedEnvFiles(): void {
  loadedEnvFiles.clear()
}

/**
 * The model a call uses: the function's, the configured default, or `AGENTLOOP_MODEL`. The `.env`
 * file (unless `envFile` is false) is loaded first when the model is a reference or comes from the
 * environment, so the adapter finds its API key there too. Throws a `ConfigError` saying all three ways when
 * there is none.
 */
export function resolveFunctionModel(options: {
  own: Model | undefined
  configured: Model | undefined
  envFile: string | false
  label: string
}): Model {
  const given = options.own ?? options.configured
  // A model named by reference creates its adapter on first use, which reads its API key from the
  // environment: the .env file must be loaded before that, as before reading AGENTLOOP_MODEL.
  if (options.envFile !== false && (given === undefined || isModelReference(given))) {
    loadEnvFileOnce(options.envFile)
  }
  if (given !== undefined) return given
  const reference = process.env[MODEL_VARIABLE]
  if (reference !== undefined && reference.trim() !== '') {
    return checkFunctionModel(
      reference.trim(),
      `${options.label}: the ${MODEL_VARIABLE} environment variable`,
    )
  }
  throw new ConfigError({
    message: `${options.label}: no model. Pass model in the definition (a Model or a reference such as 'openai:gpt-4o-mini'), set one for all functions with configureFunctions({ model }), or set ${MODEL_VARIABLE}=provider:model-id in the environment or a .env file.`,
  })
}

function isModel(value: unknown): value is Model {
  const model = value as Model | undefined
  return (
    typeof model === 'object' &&
    model !== null &&
    typeof model.provider === 'string' &&
    typeof model.modelId === 'string' &&
    typeof model.stream === 'function'
  )
}
