/**
 * Budgets of owners and API keys (tokens or cost per UTC day or month), and what each run is
 * charged to (its owner, key, session and `maxTokens`), kept as records of the server's storage.
 *
 * @module
 */
import { z } from 'zod'
import type { StoreDriver } from '../storage/store-driver.js'
import { recordCollection } from './record-store.js'

/** The limits of one budget; an absent limit does not apply. */
export interface BudgetLimits {
  tokensPerDay?: number | undefined
  tokensPerMonth?: number | undefined
  costPerDay?: number | undefined
  costPerMonth?: number | undefined
}

/** The names of the limits, in the order they are checked. */
export const BUDGET_LIMITS = ['tokensPerDay', 'tokensPerMonth', 'costPerDay', 'costPerMonth'] as const

/** A stored budget. */
export interface Budget extends BudgetLimits {
  scope: 'owner' | 'key'
  id: string
  updatedAt: number
  /** Who set it: a key id, `config:<n>`, or `cli`. */
  updatedBy: string
}

const Limit = z.number().nonnegative().optional()
const StoredBudget = z.object({
  version: z.literal(1),
  scope: z.enum(['owner', 'key']),
  id: z.string(),
  tokensPerDay: Limit,
  tokensPerMonth: Limit,
  costPerDay: Limit,
  costPerMonth: Limit,
  updatedAt: z.number(),
  updatedBy: z.string(),
})

/** Whom a run's usage is charged to. */
export interface Attribution {
  runId: string
  owner: string
  keyId: string
  sessionId?: string | undefined
  /** The run's own budget: input and output tokens over its whole life, resumes included. */
  maxTokens?: number | undefined
}

const StoredAttribution = z.object({
  version: z.literal(1),
  runId: z.string(),
  owner: z.string(),
  keyId: z.string(),
  sessionId: z.string().optional(),
  maxTokens: z.number().int().positive().optional(),
})

/** Budgets and attributions on a driver. */
export interface BudgetStore {
  get(scope: 'owner' | 'key', id: string): Promise<Budget | null>
  /** Sets (replaces) a budget; an empty set of limits deletes it. Returns what it replaced. */
  put(
    scope: 'owner' | 'key',
    id: string,
    limits: BudgetLimits,
    updatedBy: string,
  ): Promise<{ budget: Budget | null; previous: Budget | null }>
  delete(scope: 'owner' | 'key', id: string): Promise<Budget | null>
  attribution(runId: string): Promise<Attribution | null>
  attribute(attribution: Attribution): Promise<void>
}

const budgetKey = (scope: string, id: string) => `${scope}|${id}`

/** The budget store of a driver. */
export function createBudgetStore(driver: StoreDriver): BudgetStore {
  const budgets = recordCollection(driver, 'spend.budget', StoredBudget)
  const attributions = recordCollection(driver, 'spend.run', StoredAttribution)
  const view = (stored: z.infer<typeof StoredBudget>): Budget => {
    const { version: _version, ...budget } = stored
    return budget
  }
  const store: BudgetStore = {
    async get(scope, id) {
      const found = await budgets.get(budgetKey(scope, id))
      return found === null ? null : view(found.value)
    },
    async put(scope, id, limits, updatedBy) {
      const previous = await store.get(scope, id)
      const set = Object.fromEntries(
        BUDGET_LIMITS.flatMap((name) => (limits[name] === undefined ? [] : [[name, limits[name]]])),
      ) as BudgetLimits
      if (Object.keys(set).length === 0) {
        await budgets.delete(budgetKey(scope, id))
        return { budget: null, previous }
      }
      const stored = { version: 1 as const, scope, id, ...set, updatedAt: Date.now(), updatedBy }
      await budgets.put(budgetKey(scope, id), stored, { indexes: [`${scope}:${id}`] })
      return { budget: view(stored), previous }
    },
    async delete(scope, id) {
      const previous = await store.get(scope, id)
      if (previous !== null) await budgets.delete(budgetKey(scope, id))
      return previous
    },
    async attribution(runId) {
      const found = await attributions.get(runId)
      if (found === null) return null
      const { version: _version, ...attribution } = found.value
      return attribution
    },
    async attribute(attribution) {
      await attributions.put(attribution.runId, {
        version: 1,
        runId: attribution.runId,
        owner: attribution.owner,
        keyId: attribution.keyId,
        ...(attribution.sessionId === undefined ? {} : { sessionId: attribution.sessionId }),
        ...(attribution.maxTokens === undefined ? {} : { maxTokens: attribution.maxTokens }),
      })
    },
  }
  return store
}
