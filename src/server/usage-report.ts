/**
 * Usage reports: the ledger's entries of a time window, summed and grouped by model, key,
 * session, run, owner or UTC day. Reads through the owner's index (a listing never loads another
 * owner's entries), at most `MAX_REPORT_ENTRIES` calls per report.
 *
 * @module
 */
import { roundCost } from './price-table.js'
import { ledgerIndex, periodOf, type UsageEntry, type UsageLedger } from './usage-ledger.js'

/** What a report groups by. */
export const USAGE_GROUPS = ['model', 'key', 'session', 'run', 'owner', 'day'] as const
export type UsageGroup = (typeof USAGE_GROUPS)[number]

/** Model calls a report reads at most; a wider window answers `truncated: true`. */
export const MAX_REPORT_ENTRIES = 100_000

/** Sums of a set of calls. */
export interface UsageSums {
  calls: number
  inputTokens: number
  outputTokens: number
  totalTokens: number
  /** The cost of the priced calls (0 when none is priced). */
  cost: number
  /** Calls of models without a price: their cost is not in `cost`. */
  unpricedCalls: number
}

/** A usage report. */
export interface UsageReport {
  from: number
  to: number
  groupBy: UsageGroup
  /** The owner reported on; null: every owner (admins). */
  owner: string | null
  totals: UsageSums
  groups: (UsageSums & { key: string })[]
  /** True when the window held more than `MAX_REPORT_ENTRIES` calls: narrow it. */
  truncated: boolean
}

/** What a report covers. */
export interface UsageQuery {
  from: number
  to: number
  groupBy: UsageGroup
  /** One owner; undefined: every owner. */
  owner: string | undefined
  keyId?: string | undefined
  sessionId?: string | undefined
  runId?: string | undefined
}

const empty = (): UsageSums => ({
  calls: 0,
  inputTokens: 0,
  outputTokens: 0,
  totalTokens: 0,
  cost: 0,
  unpricedCalls: 0,
})

function add(sums: UsageSums, entry: UsageEntry): void {
  sums.calls++
  sums.inputTokens += entry.inputTokens
  sums.outputTokens += entry.outputTokens
  sums.totalTokens += entry.totalTokens
  if (entry.cost === undefined) sums.unpricedCalls++
  else sums.cost = roundCost(sums.cost + entry.cost)
}

function groupKey(entry: UsageEntry, group: UsageGroup): string {
  switch (group) {
    case 'model':
      return entry.model
    case 'key':
      return entry.keyId
    case 'session':
      return entry.sessionId ?? '(none)'
    case 'run':
      return entry.runId
    case 'owner':
      return entry.owner
    case 'day':
      return periodOf('day', entry.time).key
    default:
      return group satisfies never
  }
}

/** Builds a report from the ledger. */
export async function usageReport(ledger: UsageLedger, query: UsageQuery): Promise<UsageReport> {
  const { entries, truncated } = await ledger.entries({
    ...(query.owner === undefined ? {} : { index: ledgerIndex(query.owner, query) }),
    from: query.from,
    to: query.to,
    maxEntries: MAX_REPORT_ENTRIES,
  })
  const totals = empty()
  const groups = new Map<string, UsageSums>()
  for (const entry of entries) {
    // The index narrowed by one of these at most; the others filter here, within the owner's entries.
    if (query.keyId !== undefined && entry.keyId !== query.keyId) continue
    if (query.sessionId !== undefined && entry.sessionId !== query.sessionId) continue
    if (query.runId !== undefined && entry.runId !== query.runId) continue
    add(totals, entry)
    const key = groupKey(entry, query.groupBy)
    let sums = groups.get(key)
    if (sums === undefined) {
      sums = empty()
      groups.set(key, sums)
    }
    add(sums, entry)
  }
  return {
    from: query.from,
    to: query.to,
    groupBy: query.groupBy,
    owner: query.owner ?? null,
    totals,
    groups: [...groups.entries()]
      .map(([key, sums]) => ({ key, ...sums }))
      .sort((a, b) => b.totalTokens - a.totalTokens || a.key.localeCompare(b.key)),
    truncated,
  }
}
