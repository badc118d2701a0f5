/**
 * Prices per model, to turn token usage into cost. agentloop ships none: prices change and differ
 * by contract, so the table is yours (`createSpend({ prices })`, or `prices` in the CLI config).
 * Prices are per million tokens in one currency of your choice; costs are in that currency.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { Usage } from '../model/usage.js'

/** The price of one model, per million tokens. */
export interface ModelPrice {
  /** Input tokens. */
  input: number
  /** Output tokens (reasoning included). */
  output: number
  /** Input tokens served from the provider's prompt cache; default: the input price. */
  cachedInput?: number
}

/**
 * Prices by model: `provider:modelId` as agents name models (`openai:gpt-4o-mini`), or
 * `provider:*` for every model of a provider without its own entry.
 */
export type PriceTable = Readonly<Record<string, ModelPrice>>

/** Checks a price table: each entry non-negative finite numbers; a ConfigError names the bad one. */
export function checkPrices(prices: unknown, field: string): PriceTable {
  if (prices === undefined) return {}
  if (prices === null || typeof prices !== 'object' || Array.isArray(prices)) {
    throw new ConfigError({
      message: `${field} must be an object of prices by model, such as { "openai:gpt-4o-mini": { input: 0.15, output: 0.6 } } (per million tokens).`,
    })
  }
  for (const [model, price] of Object.entries(prices)) {
    if (!/^[^:\s]+:\S+$/.test(model)) {
      throw new ConfigError({
        message: `${field}: "${model}" is not a model reference; write "provider:modelId" or "provider:*".`,
      })
    }
    for (const name of ['input', 'output', 'cachedInput'] as const) {
      const value = (price as Record<string, unknown> | null)?.[name]
      if (value === undefined && name === 'cachedInput') continue
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new ConfigError({
          message: `${field}["${model}"].${name} must be a number >= 0 (price per million tokens); got ${JSON.stringify(value)}.`,
        })
      }
    }
  }
  return prices as PriceTable
}

/** The price of a model: its own entry, else its provider's `provider:*`; undefined when unpriced. */
export function priceOf(prices: PriceTable, model: string): ModelPrice | undefined {
  const own = prices[model]
  if (own !== undefined) return own
  const provider = model.slice(0, model.indexOf(':'))
  return prices[`${provider}:*`]
}

/** The cost of a call's usage; undefined when the model has no price. */
export function costOf(prices: PriceTable, model: string, usage: Usage): number | undefined {
  const price = priceOf(prices, model)
  if (price === undefined) return undefined
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens)
  return roundCost(
    ((usage.inputTokens - cached) * price.input +
      cached * (price.cachedInput ?? price.input) +
      usage.outputTokens * price.output) /
      1_000_000,
  )
}

/** The most a call may cost: its input at the input price and its reserved output at the output price. */
export function maxCostOf(
  prices: PriceTable,
  model: string,
  tokens: { input: number; reservedOutput: number },
): number | undefined {
  const price = priceOf(prices, model)
  if (price === undefined) return undefined
  return roundCost((tokens.input * price.input + tokens.reservedOutput * price.output) / 1_000_000)
}

/** Costs are kept to 1e-9 so that sums of many calls do not drift with binary fractions. */
export function roundCost(value: number): number {
  return Math.round(value * 1e9) / 1e9
}
