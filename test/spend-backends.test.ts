/**
 * The usage ledger and budgets on the shared backends (PostgreSQL, Redis): a call is counted once,
 * totals stay exact under concurrent calls of one owner, and a report reads one owner's window
 * through its index. Skipped when the service is not reachable.
 */
import type { Storage } from 'agentloop'
import { createPostgresStorage } from 'agentloop/postgres'
import { createRedisStorage } from 'agentloop/redis'
import { createSpend } from 'agentloop/server'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, REDIS_URL, serviceSkipReason } from './support/services.js'

const schema = `agentloop_spend_${process.pid}`
const prefix = `agentloop-spend:${process.pid}:`
const postgresSkip = await serviceSkipReason('PostgreSQL')
const redisSkip = await serviceSkipReason('Redis')

afterAll(async () => {
  if (postgresSkip === undefined) {
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await client.end()
  }
})

const backends: { name: string; skip: string | undefined; create: () => Storage }[] = [
  {
    name: 'postgres',
    skip: postgresSkip,
    create: () => createPostgresStorage({ connectionString: DATABASE_URL, schema, maxConnections: 4 }),
  },
  { name: 'redis', skip: redisSkip, create: () => createRedisStorage({ url: REDIS_URL, prefix }) },
]

// Calls of a second ago: today's totals are the ones budgets read.
const day = Date.now() - 1000
const dayKey = new Date(day).toISOString().slice(0, 10)
const monthKey = dayKey.slice(0, 7)
const entry = (index: number, owner = 'team-a') => ({
  version: 1 as const,
  time: day + index,
  owner,
  keyId: index % 2 === 0 ? 'k1' : 'k2',
  runId: `run-${owner}`,
  model: 'acme:m1',
  inputTokens: 10,
  outputTokens: 5,
  totalTokens: 15,
  cost: 0.25,
})

describe.each(backends)('spend on $name', ({ skip, create }) => {
  it.skipIf(skip !== undefined)(
    'counts each call once with exact totals, and reports one owner’s window',
    async () => {
      const storage = create()
      const spend = createSpend({ storage })
      const { ledger } = spend
      await Promise.all(Array.from({ length: 20 }, (_, index) => ledger.record(`a:${index}`, entry(index))))
      expect(await ledger.record('a:0', entry(0))).toBe(false)
      await ledger.record('b:0', entry(0, 'team-b'))
      expect(await ledger.total(`owner|team-a|day|${dayKey}`)).toEqual({ tokens: 300, cost: 5, calls: 20 })
      expect(await ledger.total(`key|k2|month|${monthKey}`)).toEqual({ tokens: 150, cost: 2.5, calls: 10 })
      const window = await ledger.entries({
        index: 'owner:team-a',
        from: day + 3,
        to: day + 6,
        maxEntries: 100,
      })
      expect(window.entries.map((found) => found.time - day)).toEqual([3, 4, 5, 6])
      // Budgets: an owner at its limit is refused before a run starts; one token left admits it.
      await spend.budgets.put('owner', 'team-a', { tokensPerDay: 300 }, 'test')
      await expect(spend.admit({ owner: 'team-a', keyId: 'k1' })).rejects.toThrow(/refused before it started/)
      await spend.budgets.put('owner', 'team-a', { tokensPerDay: 301 }, 'test')
      await expect(spend.admit({ owner: 'team-a', keyId: 'k1' })).resolves.toBeUndefined()
      await storage.close()
    },
  )
})
