import { ContextBudgetError } from '../errors/errors.js'
import type { ContextBudget } from './budget.js'
import type { CompactionPlan } from './plan-compaction.js'

/**
 * The `ContextBudgetError` of a model call that does not fit its budget even after compaction:
 * the tokens it needs, the budget and where it comes from, what compaction tried, and what to
 * change. Shared by everything that sends model calls through the budget (agent runs and LLM
 * functions).
 */
export function contextBudgetError(options: {
  budget: ContextBudget
  inputTokens: number
  plan: CompactionPlan | undefined
  /** Why, when something other than the size itself decided (a hook's veto). */
  reason?: string | undefined
}): ContextBudgetError {
  const { budget, inputTokens, plan, reason } = options
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
