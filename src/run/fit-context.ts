import { type ContextBudget, computeBudget, DEFAULT_CONTEXT_WINDOW } from '../context/budget.js'
import { contextBudgetError } from '../context/budget-error.js'
import { planCompaction } from '../context/plan-compaction.js'
import { resolveTokenizer } from '../context/resolve-tokenizer.js'
import { counterFor, REQUEST_OVERHEAD, type TokenCounter } from '../context/token-counter.js'
import type { Message } from '../messages/message.js'
import type { Model } from '../model/model.js'
import type { ModelRequest } from '../model/model-request.js'
import type { Tokenizer } from '../model/tokenizer.js'
import { addUsage } from '../model/usage.js'
import { type ActiveRun, type HistoryCount, hookEvent } from './active-run.js'
import { compactionGenerate } from './model-hooks.js'
import { keptCounts } from './session-history.js'

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
): Promise<{
  request: ModelRequest
  check: BudgetCheck | undefined
  inputTokens: number
  reserveOutputTokens: number
}> {
  const { agent } = run
  const settings = agent.context
  const memo = run.historyCount
  const { tokenizer, budget } =
    memo?.model === run.model && memo.maxOutputTokens === request.maxOutputTokens
      ? memo
      : await budgetOf(run, request)
  if (budget.assumedContextWindow && !announced.has(run)) await announceDefaultBudget(run, budget)
  const counter = counterFor(tokenizer)
  const counts = countRequest(run, counter, request)
  const check = { budget, counter }
  const reserveOutputTokens = budget.reserveOutputTokens
  if (counts.total <= budget.budgetTokens)
    return { request, check, inputTokens: counts.total, reserveOutputTokens }

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
    generate: compactionGenerate(run, counter),
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
  return { request: { ...request, messages }, check, inputTokens: tokens, reserveOutputTokens }
}

/**
 * The tokenizer and budgets resolved for an agent (its context settings) and a model, shared by
 * the agent's runs: an agent's settings and a model's capabilities are fixed once created.
 */
const resolved = new WeakMap<
  object,
  WeakMap<Model, { tokenizer: Tokenizer; budgets: Map<string, ContextBudget> }>
>()

/**
 * Resolves the tokenizer and budget of a run's requests, on its first model call; the run keeps
 * them while the model and the output reserve stay the same (fixed for a run unless a hook changes
 * the request's `maxOutputTokens`).
 */
async function budgetOf(
  run: ActiveRun<unknown, unknown>,
  request: ModelRequest,
): Promise<{ tokenizer: Tokenizer; budget: ContextBudget }> {
  const memo = run.historyCount
  const { agent, model } = run
  let byModel = resolved.get(agent)
  if (byModel === undefined) {
    byModel = new WeakMap()
    resolved.set(agent, byModel)
  }
  let entry = byModel.get(model)
  if (entry === undefined) {
    entry = { tokenizer: resolveTokenizer(model, agent.context), budgets: new Map() }
    byModel.set(model, entry)
  }
  const { tokenizer } = entry
  if (tokenizer.load !== undefined) await tokenizer.load()
  // the budget depends on whether the count is exact (an 'auto' tokenizer may fall back to the estimate)
  const key = `${request.maxOutputTokens}:${tokenizer.exact}`
  let budget = entry.budgets.get(key)
  if (budget === undefined) {
    budget = computeBudget({
      settings: agent.context,
      capabilities: model.capabilities,
      maxOutputTokens: request.maxOutputTokens,
      exact: tokenizer.exact,
      agentName: agent.name,
    })
    entry.budgets.set(key, budget)
  }
  if (memo !== undefined && memo.tokenizer === tokenizer) {
    memo.model = run.model
    memo.maxOutputTokens = request.maxOutputTokens
    memo.budget = budget
  } else {
    run.historyCount = {
      tokenizer,
      model: run.model,
      maxOutputTokens: request.maxOutputTokens,
      budget,
      messages: [],
      counts: [],
      total: 0,
    }
  }
  return { tokenizer, budget }
}

/**
 * Counts a request with the run's history counts: the messages it shares (by identity, in order)
 * with the previous request are not counted again, nor session messages an earlier run counted.
 */
function countRequest(
  run: ActiveRun<unknown, unknown>,
  counter: TokenCounter,
  request: ModelRequest,
): { total: number; messages: number } {
  const memo = run.historyCount as HistoryCount
  const { messages } = request
  const known = memo.messages
  const shared = Math.min(known.length, messages.length)
  let same = 0
  while (same < shared && known[same] === messages[same]) same++
  let total = memo.total
  if (same < known.length) {
    // the history was rewritten (a hook, an edited session): keep the counts of the shared start
    memo.counts.length = same
    total = 0
    for (const count of memo.counts) total += count
  }
  const history = run.sessionHistory
  const kept = history === undefined ? undefined : keptCounts(history.storage, memo.tokenizer)
  for (let index = same; index < messages.length; index++) {
    const message = messages[index] as Message
    const id = history?.ids.get(message)
    let count = id === undefined ? undefined : kept?.get(id)
    if (count === undefined) {
      count = counter.countMessage(message)
      if (id !== undefined) kept?.set(id, count)
    }
    memo.counts.push(count)
    total += count
  }
  memo.messages = messages
  memo.total = total
  const fixed = counter.instructions(request.instructions) + counter.tools(request.tools)
  return { total: fixed + total + REQUEST_OVERHEAD, messages: total }
}

/** The runs that were told they use the default budget (once per run). */
const announced = new WeakSet<object>()

async function announceDefaultBudget(run: ActiveRun<unknown, unknown>, budget: ContextBudget): Promise<void> {
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
