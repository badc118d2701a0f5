/**
 * The context budget of an LLM function's model calls: the same budget, tokenizer choice and
 * compaction chain as an agent's turns (`context` option, see docs/context.md). Each attempt's
 * request is counted before it is sent; over budget, the compaction strategies shrink what this
 * call sends (the first message, with the task and the input, is always kept; the oldest rejected
 * answers and their feedback go first); still over, `ContextBudgetError` before anything is sent.
 *
 * @module
 */
import { computeBudget } from '../context/budget.js'
import { contextBudgetError } from '../context/budget-error.js'
import type { ContextSettings } from '../context/context-options.js'
import { planCompaction } from '../context/plan-compaction.js'
import { resolveTokenizer } from '../context/resolve-tokenizer.js'
import { counterFor } from '../context/token-counter.js'
import type { ContextCompactEvent } from '../events/run-event.js'
import type { Model } from '../model/model.js'
import type { ModelRequest } from '../model/model-request.js'
import type { Usage } from '../model/usage.js'

/** What fitting one request produced: the request to send, and the compaction when there was one. */
export interface FittedRequest {
  request: ModelRequest
  /** The `context.compact` event data, when the request was compacted. */
  compaction?: Omit<ContextCompactEvent, 'runId' | 'seq' | 'time'>
  /** Tokens spent by compaction strategies that call a model (summaries). */
  usage?: Usage
  /** What the request may use, as counted: its input tokens and the output it may write. */
  tokens: { input: number; reservedOutput: number }
}

/** Fits each request of one call to its budget; keeps the strategies' memo across attempts. */
export type FunctionBudget = (
  request: ModelRequest,
  turn: number,
  signal: AbortSignal,
) => Promise<FittedRequest>

/** Creates the budget of one LLM function call. */
export function createFunctionBudget(options: {
  settings: ContextSettings
  model: Model
  name: string
}): FunctionBudget {
  const { settings, model } = options
  const memo = new Map<string, unknown>()
  return async (request, turn, signal) => {
    const tokenizer = resolveTokenizer(model, settings)
    if (tokenizer.load !== undefined) await tokenizer.load()
    const budget = computeBudget({
      settings,
      capabilities: model.capabilities,
      maxOutputTokens: request.maxOutputTokens,
      exact: tokenizer.exact,
      agentName: options.name,
    })
    const counter = counterFor(tokenizer)
    const counts = counter.request(request)
    const reservedOutput = request.maxOutputTokens ?? budget?.reserveOutputTokens ?? 0
    if (budget === undefined || counts.total <= budget.budgetTokens) {
      return { request, tokens: { input: counts.total, reservedOutput } }
    }
    const plan = await planCompaction({
      messages: request.messages,
      fixedTokens: counts.total - counts.messages,
      budgetTokens: budget.budgetTokens,
      counter,
      strategies: settings.strategies,
      model,
      turn,
      signal,
      memo,
    })
    const tokens = plan.fixedTokens + counter.messages(plan.messages)
    if (tokens > budget.budgetTokens) throw contextBudgetError({ budget, inputTokens: tokens, plan })
    return {
      request: { ...request, messages: plan.messages },
      tokens: { input: tokens, reservedOutput },
      usage: plan.usage,
      compaction: {
        type: 'context.compact',
        turn,
        tokensBefore: plan.tokensBefore,
        tokensAfter: tokens,
        budgetTokens: budget.budgetTokens,
        tokenizer: tokenizer.name,
        messagesBefore: request.messages.length,
        messagesAfter: plan.messages.length,
        steps: plan.steps,
      },
    }
  }
}
