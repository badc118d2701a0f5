/**
 * Spend: token usage recorded per model call (owner, key, session, run, model, cost), and budgets
 * that refuse a model call before it is sent. One object plugs into a `Runtime` twice: as an
 * observer (it sees every `model.end` and records its usage) and as a `beforeModel` hook (it
 * checks the call's counted input plus its reserved output against the budgets that apply).
 *
 * @module
 */
import { type BudgetExceeded, BudgetExceededError } from '../errors/budget-exceeded-error.js'
import { ConfigError } from '../errors/errors.js'
import type { CompactionStepSummary } from '../events/run-event.js'
import type { RunObserver } from '../events/run-observer.js'
import type { BeforeModelEvent, Hooks } from '../hooks/hooks.js'
import type { Usage } from '../model/usage.js'
import type { Storage } from '../storage/storage.js'
import { DEFAULT_OWNER } from './api-key-store.js'
import { type Attribution, BUDGET_LIMITS, type BudgetStore, createBudgetStore } from './budget-store.js'
import { checkPrices, costOf, maxCostOf, type PriceTable } from './price-table.js'
import { serverDriver } from './record-store.js'
import { createUsageLedger, periodOf, totalKey, type UsageLedger } from './usage-ledger.js'

/** Options of `createSpend`. */
export interface SpendOptions {
  /** Where usage and budgets are kept: the runtime's storage (shared by every server and worker). */
  storage: Storage
  /** Prices per million tokens by model; none by default (costs are then unknown, shown as absent). */
  prices?: PriceTable
  /** Told when a call's usage could not be recorded (the run goes on). Default: a process warning. */
  onError?: (error: unknown) => void
}

/** What a run is charged to, when checking before it starts. */
export interface Charge {
  owner: string
  keyId: string
  runId?: string | undefined
  maxTokens?: number | undefined
}

/** Usage recording and budgets of a runtime. Pass it as an observer and its hooks as runtime hooks. */
export interface Spend extends RunObserver {
  /** The `beforeModel` hook that enforces budgets: `new Runtime({ hooks: [spend.hooks] })`. */
  readonly hooks: Hooks<unknown>
  readonly prices: PriceTable
  readonly budgets: BudgetStore
  readonly ledger: UsageLedger
  /** Charges a run to an owner and key (and session, and its own `maxTokens`); call it before the run starts. */
  attribute(attribution: Attribution): Promise<void>
  /** Throws `BudgetExceededError` when a budget of the charge is spent already (before starting a run). */
  admit(charge: Charge): Promise<void>
  /** Resolves once the usage of every call observed so far is stored. */
  flush(): Promise<void>
}

/** Runs whose owner is unknown (started in code, not through the server) are charged here. */
export const UNATTRIBUTED_KEY = 'none'

interface RunMeta {
  parent?: string | undefined
  session?: string | undefined
  model?: string | undefined
}

/**
 * Usage and budgets over a storage.
 *
 * @example
 * const spend = createSpend({ storage, prices: { 'openai:gpt-4o-mini': { input: 0.15, output: 0.6 } } })
 * const runtime = new Runtime({ storage, agents, observers: [spend], hooks: [spend.hooks] })
 * const server = createServer({ runtime, spend })
 */
export function createSpend(options: SpendOptions): Spend {
  if (typeof options?.storage?.runs?.get !== 'function') {
    throw new ConfigError({ message: 'createSpend: storage must be a Storage (the runtime’s storage).' })
  }
  const prices = checkPrices(options.prices, 'createSpend: prices')
  const driver = serverDriver(options.storage)
  const budgets = createBudgetStore(driver)
  const ledger = createUsageLedger(driver)
  const onError =
    options.onError ??
    ((error: unknown) =>
      process.emitWarning(
        `agentloop spend: usage not recorded: ${(error as Error)?.message ?? String(error)}`,
      ))
  const meta = new Map<string, RunMeta>()
  const attributions = new Map<string, Promise<Attribution>>()
  const pending = new Set<Promise<unknown>>()
  const pendingByRun = new Map<string, Set<Promise<unknown>>>()

  const track = (runId: string, work: Promise<unknown>) => {
    const settled = work.catch(onError)
    pending.add(settled)
    let ofRun = pendingByRun.get(runId)
    if (ofRun === undefined) {
      ofRun = new Set()
      pendingByRun.set(runId, ofRun)
    }
    ofRun.add(settled)
    settled.finally(() => {
      pending.delete(settled)
      ofRun.delete(settled)
      if (ofRun.size === 0 && pendingByRun.get(runId) === ofRun) pendingByRun.delete(runId)
    })
  }
  const flush = async () => {
    while (pending.size > 0) await Promise.all([...pending])
  }

  /** Whom a run is charged to: its own attribution, its parent's (nested runs), or the default owner. */
  const attributionOf = (runId: string, depth = 0): Promise<Attribution> => {
    let found = attributions.get(runId)
    if (found === undefined) {
      found = budgets.attribution(runId).then(async (own) => {
        if (own !== null) return own
        const parent = meta.get(runId)?.parent
        if (parent !== undefined && depth < 16) {
          const { maxTokens: _parentLimit, ...charged } = await attributionOf(parent, depth + 1)
          return { ...charged, runId }
        }
        return { runId, owner: DEFAULT_OWNER, keyId: UNATTRIBUTED_KEY, sessionId: meta.get(runId)?.session }
      })
      attributions.set(runId, found)
      found.catch(() => attributions.delete(runId))
    }
    return found
  }

  /** Checks a call (or, with `admission`, a run about to start) against every budget that applies. */
  const check = async (
    charge: Charge,
    request: { tokens: number; cost: number | undefined; model?: string | undefined; admission: boolean },
  ) => {
    const now = Date.now()
    const over = (used: number, requested: number, limit: number) =>
      request.admission ? used >= limit : used + requested > limit
    const [ownerBudget, keyBudget] = await Promise.all([
      budgets.get('owner', charge.owner),
      budgets.get('key', charge.keyId),
    ])
    for (const budget of [ownerBudget, keyBudget]) {
      if (budget === null) continue
      for (const name of BUDGET_LIMITS) {
        const limit = budget[name]
        if (limit === undefined) continue
        const metric = name.startsWith('tokens') ? ('tokens' as const) : ('cost' as const)
        const period = name.endsWith('Day') ? ('day' as const) : ('month' as const)
        let requested = metric === 'tokens' ? request.tokens : request.cost
        if (requested === undefined) {
          if (!request.admission) {
            throw new ConfigError({
              message: `Model "${request.model}" has no price, so the ${name} budget of ${budget.scope} "${budget.id}" cannot be checked; the call was refused before it was sent. Add the model to the price table (createSpend({ prices }) or "prices" in the CLI config).`,
            })
          }
          requested = 0
        }
        const total = await ledger.total(totalKey(budget.scope, budget.id, period, now))
        const used = metric === 'tokens' ? total.tokens : total.cost
        if (over(used, requested, limit)) {
          refuse({
            scope: budget.scope,
            id: budget.id,
            metric,
            period,
            limit,
            used,
            requested,
            resetsAt: periodOf(period, now).endsAt,
          })
        }
      }
    }
    if (charge.maxTokens !== undefined && charge.runId !== undefined) {
      const used = (await ledger.total(totalKey('run', charge.runId))).tokens
      if (over(used, request.tokens, charge.maxTokens)) {
        refuse({
          scope: 'run',
          id: charge.runId,
          metric: 'tokens',
          period: 'run',
          limit: charge.maxTokens,
          used,
          requested: request.tokens,
        })
      }
    }
  }

  /** One call's usage into the ledger, once per `id` (the event's run and seq). */
  const recordCall = async (
    id: string,
    event: { runId: string; time: number },
    usage: Usage,
    model: string,
  ) => {
    const attribution = await attributionOf(event.runId)
    const cost = costOf(prices, model, usage)
    await ledger.record(id, {
      version: 1,
      time: event.time,
      owner: attribution.owner,
      keyId: attribution.keyId,
      runId: event.runId,
      ...(attribution.sessionId === undefined ? {} : { sessionId: attribution.sessionId }),
      model,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      totalTokens: usage.totalTokens || usage.inputTokens + usage.outputTokens,
      ...(usage.cachedInputTokens === undefined ? {} : { cachedInputTokens: usage.cachedInputTokens }),
      ...(usage.reasoningTokens === undefined ? {} : { reasoningTokens: usage.reasoningTokens }),
      ...(cost === undefined ? {} : { cost }),
    })
  }

  /** The summarising calls of a compaction: one entry per strategy that called a model. */
  const recordCompaction = (
    event: { runId: string; seq: number; time: number },
    steps: readonly CompactionStepSummary[],
  ) => {
    steps.forEach((step, index) => {
      if (step.usage === undefined) return
      const model = step.model ?? meta.get(event.runId)?.model ?? 'unknown:unknown'
      track(event.runId, recordCall(`${event.runId}:${event.seq}.${index}`, event, step.usage, model))
    })
  }
  /** The llmFunction runs of workflow function nodes in flight, by their own run id: their model. */
  const functionRuns = new Map<string, string>()

  const beforeModel = async (event: BeforeModelEvent<unknown>) => {
    if (event.tokens === undefined) return
    // The usage of this run's earlier calls counts first (other runs' writes in flight may not:
    // the documented overshoot of concurrent calls).
    const ofRun = pendingByRun.get(event.runId)
    if (ofRun !== undefined) await Promise.all([...ofRun])
    const attribution = await attributionOf(event.runId)
    const model = event.model ?? meta.get(event.runId)?.model ?? 'unknown:unknown'
    await check(attribution, {
      tokens: event.tokens.input + event.tokens.reservedOutput,
      cost: maxCostOf(prices, model, event.tokens),
      model,
      admission: false,
    })
  }

  return {
    hooks: { beforeModel },
    prices,
    budgets,
    ledger,
    async attribute(attribution) {
      await budgets.attribute(attribution)
      attributions.set(attribution.runId, Promise.resolve({ ...attribution }))
    },
    admit: (charge) => check(charge, { tokens: 0, cost: 0, admission: true }),
    flush,
    observe(event) {
      switch (event.type) {
        case 'run.start': {
          meta.set(event.runId, {
            ...meta.get(event.runId),
            parent: event.parent?.runId,
            session: event.session,
            model: event.model,
          })
          return
        }
        case 'model.start': {
          const entry = meta.get(event.runId) ?? {}
          entry.model = event.model
          meta.set(event.runId, entry)
          return
        }
        case 'model.end': {
          const model = meta.get(event.runId)?.model ?? 'unknown:unknown'
          track(event.runId, recordCall(`${event.runId}:${event.seq}`, event, event.usage, model))
          return
        }
        case 'context.compact':
          recordCompaction(event, event.steps)
          return
        case 'node.event': {
          // A workflow's function node runs an llmFunction, whose events no observer sees but as
          // these (an agent node's run is the runtime's own and recorded as such).
          const { nodeRunId, event: inner } = event
          if (nodeRunId === undefined) return
          if (inner.type === 'run.start' && inner.kind === 'function')
            functionRuns.set(nodeRunId, String(inner.model))
          else if (!functionRuns.has(nodeRunId)) return
          else if (inner.type === 'model.end')
            track(
              event.runId,
              recordCall(
                `${event.runId}:${event.seq}`,
                event,
                inner.usage as unknown as Usage,
                functionRuns.get(nodeRunId) as string,
              ),
            )
          else if (inner.type === 'context.compact')
            recordCompaction(event, inner.steps as unknown as CompactionStepSummary[])
          else if (inner.type === 'run.end') functionRuns.delete(nodeRunId)
          return
        }
        case 'run.end': {
          const runId = event.runId
          // Forget the run once the writes seen so far are done (not awaited by flush: no cycle).
          void Promise.allSettled([...pending]).then(() => {
            meta.delete(runId)
            attributions.delete(runId)
          })
          return
        }
        default:
          return
      }
    },
  }
}

function refuse(budget: BudgetExceeded): never {
  throw new BudgetExceededError({ budget })
}
