/**
 * The usage ledger: one entry per model call (who, which key, session, run, model, tokens, cost)
 * and running totals per owner and key per UTC day and month, and per run, that budgets read in one
 * get each. An entry and the totals it adds to are written in one atomic commit keyed by the
 * call's event (`runId` + `seq`), so a call is counted once, also when its write is retried.
 *
 * @module
 */
import { z } from 'zod'
import { StoredDataError } from '../storage/storage-errors.js'
import type { StoreDriver, StoredRecord, WriteOperation } from '../storage/store-driver.js'
import type { JsonObject } from '../util/json.js'
import { roundCost } from './price-table.js'

const ENTRIES = 'spend.entry'
const TOTALS = 'spend.total'

/** One model call's usage, as stored. */
export const UsageEntry = z.object({
  version: z.literal(1),
  time: z.number(),
  owner: z.string(),
  keyId: z.string(),
  runId: z.string(),
  sessionId: z.string().optional(),
  model: z.string(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number(),
  cachedInputTokens: z.number().optional(),
  reasoningTokens: z.number().optional(),
  /** Absent when the model has no price. */
  cost: z.number().optional(),
})
export type UsageEntry = z.infer<typeof UsageEntry>

const Total = z.object({ version: z.literal(1), tokens: z.number(), cost: z.number(), calls: z.number() })
type Total = z.infer<typeof Total>

/** A spending period: a UTC day or month, or a run's whole life. */
export type Period = 'day' | 'month'

/** The key of the period `time` falls in (`2026-12-02`, `2026-12`) and when it ends. */
export function periodOf(period: Period, time: number): { key: string; endsAt: number } {
  const date = new Date(time)
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  if (period === 'day') {
    const day = date.getUTCDate()
    return {
      key: `${year}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      endsAt: Date.UTC(year, month, day + 1),
    }
  }
  return { key: `${year}-${String(month + 1).padStart(2, '0')}`, endsAt: Date.UTC(year, month + 1, 1) }
}

/** The key of a running total. */
export function totalKey(
  scope: 'owner' | 'key' | 'run',
  id: string,
  period?: Period,
  time = Date.now(),
): string {
  return period === undefined ? `${scope}|${id}` : `${scope}|${id}|${period}|${periodOf(period, time).key}`
}

/** Index values of an entry: always under its owner, so a listing never reads another owner's entries. */
function indexesOf(entry: UsageEntry): string[] {
  return [
    `owner:${entry.owner}`,
    `owner-key:${entry.owner}|${entry.keyId}`,
    `owner-run:${entry.owner}|${entry.runId}`,
    ...(entry.sessionId === undefined ? [] : [`owner-session:${entry.owner}|${entry.sessionId}`]),
  ]
}

/** The ledger on a driver. */
export interface UsageLedger {
  /**
   * Records one call (`id` is unique per call: the run and the `model.end` event's seq). Resolves
   * false when it was recorded already.
   */
  record(id: string, entry: UsageEntry): Promise<boolean>
  /** A running total: tokens, cost and calls so far (zeros when none). */
  total(key: string): Promise<{ tokens: number; cost: number; calls: number }>
  /**
   * Entries in `[from, to]` (ms), oldest first, read through one index (`owner:<owner>`...) or
   * the whole ledger (no index: admins across owners). Stops with `truncated` after `maxEntries`.
   */
  entries(options: {
    index?: string
    from: number
    to: number
    maxEntries: number
  }): Promise<{ entries: UsageEntry[]; truncated: boolean }>
}

/** Index value for a query of one owner (and optionally one key, run or session). */
export function ledgerIndex(
  owner: string,
  narrow?: { keyId?: string | undefined; runId?: string | undefined; sessionId?: string | undefined },
): string {
  if (narrow?.runId !== undefined) return `owner-run:${owner}|${narrow.runId}`
  if (narrow?.sessionId !== undefined) return `owner-session:${owner}|${narrow.sessionId}`
  if (narrow?.keyId !== undefined) return `owner-key:${owner}|${narrow.keyId}`
  return `owner:${owner}`
}

const PAGE = 500

/** A usage ledger kept in a storage's driver. */
export function createUsageLedger(driver: StoreDriver): UsageLedger {
  const decode = <T>(schema: z.ZodType<T>, record: StoredRecord): T => {
    const parsed = schema.safeParse(record.data)
    if (!parsed.success) {
      throw new StoredDataError({
        message: `Stored ${record.collection} "${record.key}" is unreadable: ${parsed.error.issues[0]?.message}. Repair or delete the record.`,
        collection: record.collection,
        key: record.key,
      })
    }
    return parsed.data
  }
  return {
    async record(id, entry) {
      const keys = [
        totalKey('owner', entry.owner, 'day', entry.time),
        totalKey('owner', entry.owner, 'month', entry.time),
        totalKey('key', entry.keyId, 'day', entry.time),
        totalKey('key', entry.keyId, 'month', entry.time),
        totalKey('run', entry.runId),
      ]
      // Compare-and-set on every total: a concurrent call of the same owner makes one of the two
      // commits fail, and that one reads the totals again.
      for (let attempt = 0; attempt < 50; attempt++) {
        const existing = await Promise.all(keys.map((key) => driver.get(TOTALS, key)))
        const now = Date.now()
        const operations: WriteOperation[] = [
          {
            type: 'put',
            collection: ENTRIES,
            key: id,
            group: '',
            order: entry.time,
            data: entry as unknown as JsonObject,
            expectedRevision: null,
            indexes: indexesOf(entry),
          },
          ...keys.map((key, index): WriteOperation => {
            const found = existing[index]
            const before: Total =
              found === undefined || found === null
                ? { version: 1, tokens: 0, cost: 0, calls: 0 }
                : decode(Total, found)
            const after: Total = {
              version: 1,
              tokens: before.tokens + entry.totalTokens,
              cost: roundCost(before.cost + (entry.cost ?? 0)),
              calls: before.calls + 1,
            }
            return {
              type: 'put',
              collection: TOTALS,
              key,
              group: '',
              order: now,
              data: after as unknown as JsonObject,
              expectedRevision: found?.revision ?? null,
              keepPosition: true,
            }
          }),
        ]
        const result = await driver.commit(operations, now)
        if (result.ok) return true
        if (result.index === 0) return false
      }
      throw new StoredDataError({
        message: `Usage of call "${id}" could not be recorded: its totals kept changing under 50 attempts.`,
        collection: TOTALS,
        key: id,
      })
    },
    async total(key) {
      const found = await driver.get(TOTALS, key)
      if (found === null) return { tokens: 0, cost: 0, calls: 0 }
      const { tokens, cost, calls } = decode(Total, found)
      return { tokens, cost, calls }
    },
    async entries(options) {
      const entries: UsageEntry[] = []
      let after = { order: options.from, key: '' }
      for (;;) {
        const page = await driver.list(ENTRIES, {
          ...(options.index === undefined ? {} : { index: options.index }),
          after: after.key === '' ? { order: options.from - 1, key: '\uffff' } : after,
          limit: PAGE,
        })
        for (const record of page) {
          if (record.order > options.to) return { entries, truncated: false }
          if (entries.length === options.maxEntries) return { entries, truncated: true }
          entries.push(decode(UsageEntry, record))
        }
        const last = page.at(-1)
        if (page.length < PAGE || last === undefined) return { entries, truncated: false }
        after = { order: last.order, key: last.key }
      }
    },
  }
}
