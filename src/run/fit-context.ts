import { type ContextBudget, computeBudget, DEFAULT_CONTEXT_WINDOW } from '../context/budget.js'
import { type CompactionPlan, planCompaction } from '../context/plan-compaction.js'
import { resolveTokenizer } from '../context/resolve-tokenizer.js'
import { counterFor, type TokenCounter } from '../context/token-counter.js'
import { ContextBudgetError } from '../errors/errors.js'
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
      throw budgetError(
        budget,
        counts.total,
        plan,
        `A beforeCompact hook vetoed compaction: ${decision.reason}`,
      )
    }
    if (decision.kind === 'replace') {
      messages = decision.messages
      replacedByHook = true
    }
  }
  const tokens = plan.fixedTokens + counter.messages(messages)
  if (tokens > budget.budgetTokens) throw budgetError(budget, tokens, plan, undefined)

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
    throw budgetError(
      check.budget,
      tokens,
      undefined,
      'A beforeModel hook rewrote the request over the budget.',
    )
  }
}

function budgetError(
  budget: ContextBudget,
  inputTokens: number,
  plan: CompactionPlan | undefined,
  reason: string | undefined,
): ContextBudgetError {
  const source = budget.assumedContextWindow
    ? `the default budget for a model that declares no context window: ${budget.contextWindow} - ${budget.reserveOutputTokens} reserved for the answer; set context.maxInputTokens to the real limit`
    : budget.contextWindow === undefined
      ? `context.maxInputTokens ${budget.maxInputTokens}`
      : `context window ${budget.contextWindow} - ${budget.reserveOutputTokens} reserved for the answer${budget.maxInputTokens === undefined ? '' : `, capped by context.maxInputTokens ${budget.maxInputTokens}`}`
  const margin = budget.margin > 0 ? `, less a ${Math.round(budget.margin * 100)}% estimate margin` : ''
  const strategies = plan?.steps.map((step) => step.strategy) ?? []
  const tried =
    plan === undefined
      ? ''
      : strategies.length === 0
        ? ' No compaction strategy could reduce it.'
        : ` Compaction ran ${strategies.join(', ')}.`
  const fixed =
    plan !== undefined && plan.fixedTokens > budget.budgetTokens
      ? ` The system prompt and tool definitions alone take ${plan.fixedTokens} tokens.`
      : ''
  return new ContextBudgetError({
    message: `${reason === undefined ? '' : `${reason} `}The model call needs ${inputTokens} input tokens but its budget is ${budget.budgetTokens} (${source}${margin}), so nothing was sent.${tried}${fixed} Raise context.maxInputTokens or lower reserveOutputTokens, shorten the instructions or tools, or add compaction strategies (shrinkToolResults with a lower maxTokens, summarizeOldestTurns, a lower keepRecent).`,
    inputTokens,
    budgetTokens: budget.budgetTokens,
    contextWindow: budget.contextWindow,
    reserveOutputTokens: budget.reserveOutputTokens,
    strategies,
  })
}
