import { ConfigError } from '../errors/errors.js'
import type { ModelCapabilities } from '../model/model.js'
import type { ContextSettings } from './context-options.js'

/** The token budget of one model call, and where it comes from. */
export interface ContextBudget {
  /** The most input tokens the request may count (after the estimate margin). */
  budgetTokens: number
  /** The model's context window, or the default one when the model declares none (see `assumedContextWindow`). */
  contextWindow: number | undefined
  /**
   * True when the model declares no context window and the agent sets no `maxInputTokens`: the
   * budget then comes from {@link DEFAULT_CONTEXT_WINDOW}, never from nothing.
   */
  assumedContextWindow: boolean
  reserveOutputTokens: number
  maxInputTokens: number | undefined
  /** The share held back because counts are estimates (0 with an exact tokenizer). */
  margin: number
}

/**
 * The context window assumed for a model that declares none when the agent sets no
 * `maxInputTokens` (a local or unknown model): small enough for most models served today, so a
 * run is never unbounded. Set `context.maxInputTokens` or the model's `capabilities.contextWindow`
 * to use more.
 */
export const DEFAULT_CONTEXT_WINDOW = 32_768

const DEFAULT_RESERVE = 4096
const MAX_DEFAULT_RESERVE = 16_384

/**
 * The budget of a call: the smaller of `maxInputTokens` and `contextWindow - reserveOutputTokens`,
 * less the estimate margin. When neither limit is known (the model declares no context window and
 * the agent sets no `maxInputTokens`), the window is {@link DEFAULT_CONTEXT_WINDOW}: every call has a budget.
 */
export function computeBudget(options: {
  settings: ContextSettings
  capabilities: ModelCapabilities | undefined
  maxOutputTokens: number | undefined
  exact: boolean
  agentName: string
}): ContextBudget {
  const { settings, capabilities } = options
  const assumedContextWindow =
    capabilities?.contextWindow === undefined && settings.maxInputTokens === undefined
  const contextWindow = assumedContextWindow ? DEFAULT_CONTEXT_WINDOW : capabilities?.contextWindow
  const reserve =
    settings.reserveOutputTokens ??
    options.maxOutputTokens ??
    (capabilities?.maxOutputTokens === undefined
      ? DEFAULT_RESERVE
      : Math.min(capabilities.maxOutputTokens, MAX_DEFAULT_RESERVE))
  // Without a window, maxInputTokens is set (else a window is assumed): the limit is always finite.
  let limit = settings.maxInputTokens ?? Number.POSITIVE_INFINITY
  if (contextWindow !== undefined) {
    const fromWindow = contextWindow - reserve
    if (fromWindow <= 0) {
      throw new ConfigError({
        message: `Agent "${options.agentName}": the reserved output tokens (${reserve}) leave nothing of the model's ${contextWindow}-token context window${assumedContextWindow ? ' (the default for a model that declares none)' : ''}; lower context.reserveOutputTokens or modelSettings.maxOutputTokens${assumedContextWindow ? ', or set context.maxInputTokens' : ''}.`,
      })
    }
    limit = Math.min(limit, fromWindow)
  }
  const margin = options.exact ? 0 : settings.estimateMargin
  return {
    budgetTokens: Math.floor(limit * (1 - margin)),
    contextWindow,
    assumedContextWindow,
    reserveOutputTokens: reserve,
    maxInputTokens: settings.maxInputTokens,
    margin,
  }
}
