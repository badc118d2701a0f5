import { checkOptionKeys } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { Tokenizer } from '../model/tokenizer.js'
import { type CompactionStrategy, type CompactionStrategyInput, toStrategy } from './compaction-strategy.js'
import { dropOldestTurns } from './strategies/drop-oldest-turns.js'
import { shrinkToolResults } from './strategies/shrink-tool-results.js'

/** The agent's `context` option: the token budget of each model call and how to keep within it. */
export interface ContextOptions {
  /**
   * The most input tokens one model call may use. Default: the model's `contextWindow` minus the
   * reserved output tokens; when both are known, the smaller wins.
   */
  maxInputTokens?: number
  /**
   * Tokens kept free for the answer. Default: the request's `maxOutputTokens`, else the model's
   * `maxOutputTokens` capped at 16,384, else 4,096.
   */
  reserveOutputTokens?: number
  /**
   * How tokens are counted. `'auto'` (default): the model's own tokenizer if it has one, exact
   * counting for OpenAI model ids when `gpt-tokenizer` is installed, the estimate otherwise.
   */
  tokenizer?: Tokenizer | 'auto' | 'estimate'
  /**
   * The share of the budget kept free when counts are estimates (default 0.1), because an estimate
   * can be low. Ignored with an exact tokenizer.
   */
  estimateMargin?: number
  /**
   * The compaction chain, run in order until the request fits. Default:
   * `[shrinkToolResults(), dropOldestTurns(), shrinkToolResults({ untilFits: true })]`: cut oversized
   * tool results, drop the oldest turns, and as a last resort cut the remaining tool results evenly.
   * Add `summarizeOldestTurns()` before the drop to keep a summary of what is removed. `[]` turns
   * compaction off (an over-budget request then fails with `ContextBudgetError`).
   */
  strategies?: readonly CompactionStrategyInput[]
}

/** The context settings of an agent, checked and with defaults applied. */
export interface ContextSettings {
  maxInputTokens: number | undefined
  reserveOutputTokens: number | undefined
  tokenizer: Tokenizer | 'auto' | 'estimate'
  estimateMargin: number
  strategies: readonly CompactionStrategy[]
}

/** The keys of `ContextOptions`. */
const CONTEXT_OPTION_KEYS = [
  'maxInputTokens',
  'reserveOutputTokens',
  'tokenizer',
  'estimateMargin',
  'strategies',
] as const

const DEFAULT_STRATEGIES: readonly CompactionStrategy[] = [
  shrinkToolResults(),
  dropOldestTurns(),
  shrinkToolResults({ untilFits: true }),
]

/** Checks the agent's `context` option; `field` names it in errors. */
export function resolveContextOptions(options: ContextOptions | undefined, field: string): ContextSettings {
  const value = options ?? {}
  if (typeof value !== 'object' || value === null) {
    throw new ConfigError({ message: `${field} must be an object such as { maxInputTokens: 100000 }.` })
  }
  checkOptionKeys(value, CONTEXT_OPTION_KEYS, field, {
    maxTokens: 'maxInputTokens',
    maxContextTokens: 'maxInputTokens',
    reserveTokens: 'reserveOutputTokens',
  })
  const tokens = (name: 'maxInputTokens' | 'reserveOutputTokens', min: number) => {
    const n = value[name]
    if (n !== undefined && !(Number.isInteger(n) && n >= min)) {
      throw new ConfigError({
        message: `${field}.${name} must be a whole number of tokens${min > 0 ? ' above 0' : ''}; got ${String(n)}.`,
      })
    }
    return n
  }
  const margin = value.estimateMargin ?? 0.1
  if (!(typeof margin === 'number' && margin >= 0 && margin < 1)) {
    throw new ConfigError({
      message: `${field}.estimateMargin must be a share between 0 and 1 (such as 0.1); got ${String(value.estimateMargin)}.`,
    })
  }
  const tokenizer = value.tokenizer ?? 'auto'
  if (
    tokenizer !== 'auto' &&
    tokenizer !== 'estimate' &&
    (typeof tokenizer !== 'object' || tokenizer === null || typeof tokenizer.count !== 'function')
  ) {
    throw new ConfigError({
      message: `${field}.tokenizer must be 'auto', 'estimate' or a Tokenizer ({ name, exact, count(text) }).`,
    })
  }
  let strategies = DEFAULT_STRATEGIES
  if (value.strategies !== undefined) {
    if (!Array.isArray(value.strategies)) {
      throw new ConfigError({ message: `${field}.strategies must be a list of compaction strategies.` })
    }
    strategies = value.strategies.map((entry, index) => {
      const ok =
        typeof entry === 'function' ||
        (typeof entry === 'object' && entry !== null && typeof entry.compact === 'function')
      if (!ok) {
        throw new ConfigError({
          message: `${field}.strategies[${index}] must be a strategy such as dropOldestTurns(), or a function (input) => messages.`,
        })
      }
      return toStrategy(entry)
    })
  }
  return {
    maxInputTokens: tokens('maxInputTokens', 1),
    reserveOutputTokens: tokens('reserveOutputTokens', 0),
    tokenizer,
    estimateMargin: margin,
    strategies,
  }
}
