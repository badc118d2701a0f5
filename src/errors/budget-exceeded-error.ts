/**
 * A spending limit refused a model call before it was sent: a budget of an owner or an API key
 * (tokens or cost per day or month), or a run's `maxTokens`. The run fails with this error, not
 * retried; it can be resumed once the budget allows (the period resets, or the limit is raised).
 *
 * @module
 */
import { AgentLoopError } from './errors.js'

/** Which budget refused, and by how much. JSON, as the `budget.exceeded` event carries it. */
export interface BudgetExceeded {
  /** Whose budget: an owner (tenant), an API key, or the run itself (`maxTokens`). */
  scope: 'owner' | 'key' | 'run'
  /** The owner, the key id or the run id. */
  id: string
  /** `tokens` (input + output) or `cost` (in the price table's currency). */
  metric: 'tokens' | 'cost'
  /** `day` and `month` are UTC calendar periods; `run` is the run's whole life. */
  period: 'day' | 'month' | 'run'
  limit: number
  /** Spent in the period before this call. */
  used: number
  /** What this call would add at most: its counted input plus the output tokens it may write (0: a run refused before it started). */
  requested: number
  /** When the period resets (ms since the epoch); absent for a run's budget. */
  resetsAt?: number
}

/** A model call would go over a budget; nothing was sent. */
export class BudgetExceededError extends AgentLoopError {
  readonly budget: BudgetExceeded
  constructor(options: { budget: BudgetExceeded; message?: string; cause?: unknown }) {
    super({ message: options.message ?? describeBudget(options.budget), cause: options.cause })
    this.budget = options.budget
  }
}

/** The sentence an error and an HTTP 429 use: which budget, its standing, and what to do. */
export function describeBudget(budget: BudgetExceeded): string {
  const amount = (value: number) =>
    budget.metric === 'cost' ? `${Number(value.toFixed(6))} (cost)` : `${value} tokens`
  const name =
    budget.scope === 'run'
      ? `the maxTokens budget of run "${budget.id}"`
      : `the ${budget.period === 'day' ? 'daily' : 'monthly'} ${budget.metric} budget of ${budget.scope} "${budget.id}"`
  const fix =
    budget.scope === 'run'
      ? 'Resume it with a higher maxTokens.'
      : `It resets at ${new Date(budget.resetsAt ?? 0).toISOString()}; an admin can raise it (PUT /api/${budget.scope === 'owner' ? 'owners' : 'keys'}/${budget.id}/budget), then resume the run.`
  // `requested` 0: a run refused before it started, with nothing left of the budget.
  return budget.requested === 0
    ? `Budget exceeded: the run was refused before it started, since ${name} is ${amount(budget.limit)} and ${amount(budget.used)} are spent. ${fix}`
    : `Budget exceeded: the model call was refused before it was sent, since ${name} is ${amount(budget.limit)}, ${amount(budget.used)} are spent and this call may use up to ${amount(budget.requested)}. ${fix}`
}
