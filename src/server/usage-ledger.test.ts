import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { createSqliteStorage } from '../storage/sqlite/create-sqlite-storage.js'
import type { Storage } from '../storage/storage.js'
import { serverDriver } from './record-store.js'
import { createUsageLedger, ledgerIndex, periodOf, totalKey, type UsageEntry } from './usage-ledger.js'

const entry = (overrides: Partial<UsageEntry>): UsageEntry => ({
  version: 1,
  time: Date.UTC(2026, 11, 2, 10),
  owner: 'team-a',
  keyId: 'k1',
  runId: 'r1',
  model: 'acme:m1',
  inputTokens: 10,
  outputTokens: 5,
  totalTokens: 15,
  cost: 0.5,
  ...overrides,
})

const backends: [string, () => Storage][] = [
  ['memory', () => createMemoryStorage()],
  ['sqlite', () => createSqliteStorage({ path: join(mkdtempSync(join(tmpdir(), 'ledger-')), 'db.sqlite') })],
]

describe.each(backends)('usage ledger on %s', (_name, create) => {
  it('counts a call once, keeps exact totals under concurrent calls, and lists one owner by index and window', async () => {
    const storage = create()
    const ledger = createUsageLedger(serverDriver(storage))
    expect(await ledger.record('r1:3', entry({}))).toBe(true)
    expect(await ledger.record('r1:3', entry({}))).toBe(false)
    // 20 calls of one owner at once, on two keys: every total is exact.
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        ledger.record(
          `r2:${index}`,
          entry({ runId: 'r2', keyId: index % 2 === 0 ? 'k1' : 'k2', time: entry({}).time + index }),
        ),
      ),
    )
    const day = entry({}).time
    expect(await ledger.total(totalKey('owner', 'team-a', 'day', day))).toEqual({
      tokens: 21 * 15,
      cost: 10.5,
      calls: 21,
    })
    expect(await ledger.total(totalKey('owner', 'team-a', 'month', day))).toMatchObject({ calls: 21 })
    expect(await ledger.total(totalKey('key', 'k2', 'day', day))).toMatchObject({
      tokens: 10 * 15,
      calls: 10,
    })
    expect(await ledger.total(totalKey('run', 'r2'))).toMatchObject({ calls: 20 })
    expect(await ledger.total(totalKey('owner', 'team-a', 'day', day + 86_400_000))).toEqual({
      tokens: 0,
      cost: 0,
      calls: 0,
    })
    await ledger.record('other', entry({ owner: 'team-b', runId: 'rb' }))
    const window = await ledger.entries({
      index: ledgerIndex('team-a'),
      from: day + 5,
      to: day + 9,
      maxEntries: 100,
    })
    expect(window.entries.map((found) => found.time - day)).toEqual([5, 6, 7, 8, 9])
    expect(window.entries.every((found) => found.owner === 'team-a')).toBe(true)
    const capped = await ledger.entries({
      index: ledgerIndex('team-a', { keyId: 'k2' }),
      from: 0,
      to: day * 2,
      maxEntries: 3,
    })
    expect(capped).toMatchObject({ truncated: true })
    expect(capped.entries.map((found) => found.keyId)).toEqual(['k2', 'k2', 'k2'])
    expect(
      (await ledger.entries({ index: ledgerIndex('team-b'), from: 0, to: day * 2, maxEntries: 100 })).entries,
    ).toHaveLength(1)
    await storage.close()
  })
})

describe('periods', () => {
  it('are UTC days and months, ending at the next one', () => {
    const time = Date.UTC(2026, 11, 31, 23, 59)
    expect(periodOf('day', time)).toEqual({ key: '2026-12-31', endsAt: Date.UTC(2027, 0, 1) })
    expect(periodOf('month', time)).toEqual({ key: '2026-12', endsAt: Date.UTC(2027, 0, 1) })
  })
})
