import { ConfigError } from '../errors/errors.js'
import type { ModelCapabilities } from '../model/model.js'
import type { ContextSettings } from './context-options.js'

/** The token budget of one model call, and where it comes from. */
export interface ContextBudget {
  /** The most input tokens the request may count (after the estimate margin). */
  budgetTokens: number
  /** The model's context window, when known. */
  contextWindow: number | undefined
  reserveOutputTokens: number
  maxInputTokens: number | undefined
  /** The share held back because counts are estimates (0 with an exact tokenizer). */
  margin: number
}

const DEFAULT_RESERVE = 4096
const MAX_DEFAULT_RESERVE = 16_384

/**
 * The budget of a call: the smaller of `maxInputTokens` and `contextWindow - reserveOutputTokens`,
 * less the estimate margin. `undefined` when neither limit is known (the model declares no context
 * window and the agent sets no `maxInputTokens`): then nothing is checked.
 */
export function computeBudget(options: {
  settings: ContextSettings
  capabilities: ModelCapabilities | undefined
  maxOutputTokens: number | undefined
  exact: boolean
  agentName: string
}): ContextBudget | undefined {
  const { settings, capabilities } = options
  const contextWindow = capabilities?.contextWindow
  const reserve =
    settings.reserveOutputTokens ??
    options.maxOutputTokens ??
    (capabilities?.maxOutputTokens === undefined
      ? DEFAULT_RESERVE
      : Math.min(capabilities.maxOutputTokens, MAX_DEFAULT_RESERVE))
  let limit = settings.maxInputTokens
  if (contextWindow !== undefined) {
    const fromWindow = contextWindow - reserve
    if (fromWindow <= 0) {
      throw new ConfigError({
        message: `Agent "${options.agentName}": the reserved output tokens (${reserve}) leave nothing of the model's ${contextWindow}-token context window; lower context.reserveOutputTokens or modelSettings.maxOutputTokens.`,
      })
    }
    limit = limit === undefined ? fromWindow : Math.min(limit, fromWindow)
  }
  if (limit === undefined) return undefined
  const margin = options.exact ? 0 : settings.estimateMargin
  return {
    budgetTokens: Math.floor(limit * (1 - margin)),
    contextWindow,
    reserveOutputTokens: reserve,
    maxInputTokens: settings.maxInputTokens,
    margin,
  }
}
