import { type ContextBudget, computeBudget, DEFAULT_CONTEXT_WINDOW } from '../context/budget.js'
import { contextBudgetError } from '../context/budget-error.js'
import { planCompaction } from '../context/plan-compaction.js'
import { resolveTokenizer } from '../context/resolve-tokenizer.js'
import { counterFor, type TokenCounter } from '../context/token-counter.js'
import type { ModelRequest } from '../model/model-request.js'
import { addUsage } from '../model/usage.js'
import { type ActiveRun, hookEvent } from './active-run.js'

/** The budget a request was checked against, to check a hook's rewrite against the same one. */
export interface BudgetCheck {
  budget: ContextBudget
  counter: TokenCounter
}

/**
 * The context budget step of a turn: counts the request; when it is over budget, plans a
 * compaction, lets `beforeCompact` hooks veto or replace it, and either returns the compacted
 * request (emitting `context.compact`) or throws `ContextBudgetError` before anything is sent.
 * The run's history is not changed. A model that declares no context window, with no
 * `maxInputTokens`, gets the default budget, announced once per run by a `context.budget` event.
 */
export async function fitContext(
  run: ActiveRun<unknown, unknown>,
  request: ModelRequest,
): Promise<{ request: ModelRequest; check: BudgetCheck | undefined }> {
  const { agent } = run
  const settings = agent.context
  const tokenizer = resolveTokenizer(run.model, settings)
  if (tokenizer.load !== undefined) await tokenizer.load()
  const budget = computeBudget({
    settings,
    capabilities: run.model.capabilities,
    maxOutputTokens: request.maxOutputTokens,
    exact: tokenizer.exact,
    agentName: agent.name,
  })
  if (budget.assumedContextWindow) await announceDefaultBudget(run, budget)
  const counter = counterFor(tokenizer)
  const counts = counter.request(request)
  const check = { budget, counter }
  if (counts.total <= budget.budgetTokens) return { request, check }

  run.compactionMemo ??= new Map()
  const plan = await planCompaction({
    messages: request.messages,
    fixedTokens: counts.total - counts.messages,
    budgetTokens: budget.budgetTokens,
    counter,
    strategies: settings.strategies,
    model: run.model,
    turn: run.state.turn,
    signal: run.signal,
    memo: run.compactionMemo,
  })
  addUsage(run.state.usage, plan.usage)

  let messages = plan.messages
  let replacedByHook = false
  if (run.hooks.hasCompactHooks) {
    const decision = await run.hooks.beforeCompact(hookEvent(run, { request, plan }))
    if (decision.kind === 'veto') {
      throw contextBudgetError({
        budget,
        inputTokens: counts.total,
        plan,
        reason: `A beforeCompact hook vetoed compaction: ${decision.reason}`,
      })
    }
    if (decision.kind === 'replace') {
      messages = decision.messages
      replacedByHook = true
    }
  }
  const tokens = plan.fixedTokens + counter.messages(messages)
  if (tokens > budget.budgetTokens) throw contextBudgetError({ budget, inputTokens: tokens, plan })

  if (run.hooks.hasCompactHooks) await run.hooks.afterCompact(hookEvent(run, { plan, messages, tokens }))
  const event = {
    type: 'context.compact' as const,
    turn: run.state.turn,
    tokensBefore: plan.tokensBefore,
    tokensAfter: tokens,
    budgetTokens: budget.budgetTokens,
    tokenizer: tokenizer.name,
    messagesBefore: request.messages.length,
    messagesAfter: messages.length,
    steps: plan.steps,
    ...(replacedByHook ? { replacedByHook } : {}),
  }
  await run.emit(event)
  return { request: { ...request, messages }, check }
}

/** The runs that were told they use the default budget (once per run). */
const announced = new WeakSet<object>()

async function announceDefaultBudget(run: ActiveRun<unknown, unknown>, budget: ContextBudget): Promise<void> {
  if (announced.has(run)) return
  announced.add(run)
  const contextWindow = budget.contextWindow ?? DEFAULT_CONTEXT_WINDOW
  await run.emit({
    type: 'context.budget',
    turn: run.state.turn,
    source: 'default',
    budgetTokens: budget.budgetTokens,
    contextWindow,
    reserveOutputTokens: budget.reserveOutputTokens,
    message: `Model ${run.model.provider}:${run.model.modelId} declares no context window and agent "${run.agent.name}" sets no context.maxInputTokens, so every model call is held to the default budget of ${budget.budgetTokens} input tokens (a ${contextWindow}-token window less ${budget.reserveOutputTokens} reserved for the answer). Set context.maxInputTokens, or the model's capabilities.contextWindow, to the real limit.`,
  })
}

/**
 * Checks a request a `beforeModel` hook rewrote against the same budget; throws
 * `ContextBudgetError` when it no longer fits.
 */
export function checkRewrittenRequest(check: BudgetCheck | undefined, request: ModelRequest): void {
  if (check === undefined) return
  const tokens = check.counter.request(request).total
  if (tokens > check.budget.budgetTokens) {
    throw contextBudgetError({
      budget: check.budget,
      inputTokens: tokens,
      plan: undefined,
      reason: 'A beforeModel hook rewrote the request over the budget.',
    })
  }
}
