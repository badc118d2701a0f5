import { describe, expect, it } from 'vitest'
import { createStorage } from '../create-storage.js'
import { createMemoryDriver } from '../memory/memory-driver.js'
import type { StoreDriver } from '../store-driver.js'

/** A memory driver that counts the records each call returns. */
function countingDriver() {
  const inner = createMemoryDriver()
  const read = { list: 0, ancestors: 0, calls: [] as string[] }
  const driver: StoreDriver = {
    ...inner,
    async list(collection, options) {
      const records = await inner.list(collection, options)
      read.list += records.length
      read.calls.push(`list ${collection}`)
      return records
    },
    async ancestors(collection, key, options) {
      const records = await inner.ancestors(collection, key, options)
      read.ancestors += records.length
      read.calls.push(`ancestors ${collection}`)
      return records
    },
  }
  return { storage: createStorage(driver), read }
}

describe('what a read costs, in records read', () => {
  it('reads one page of runs, whatever the number of runs and the filter', async () => {
    const { storage, read } = countingDriver()
    for (let index = 0; index < 1000; index++) {
      await storage.runs.save({
        runId: `r${index}`,
        agentName: `agent-${index % 10}`,
        status: index % 100 === 0 ? 'needs_review' : 'completed',
        snapshot: { version: 1 },
        ...(index % 250 === 0 ? { sessionId: 's' } : {}),
      })
    }
    for (const options of [
      {},
      { status: 'completed' as const },
      { status: 'needs_review' as const, agentName: 'agent-0' },
      { status: ['needs_review', 'completed'] as const },
      { sessionId: 's' },
    ]) {
      read.list = 0
      const page = await storage.runs.page({ ...options, limit: 10 })
      expect(page.runs.length).toBeGreaterThan(0)
      // a page of 10 (plus one to know whether more follow), per listing merged
      expect(read.list).toBeLessThanOrEqual(22)
      read.list = 0
      await storage.runs.page({ ...options, limit: 10, cursor: page.nextCursor ?? undefined })
      expect(read.list).toBeLessThanOrEqual(22)
    }
  })

  it('reads a branch along its parent links, not the session tree', async () => {
    const { storage, read } = countingDriver()
    const messages = Array.from({ length: 20 }, (_, index) => ({
      role: 'user' as const,
      content: `m${index}`,
    }))
    await storage.sessions.create({ sessionId: 's', messages })
    const entries = await storage.sessions.entries('s')
    // 30 other branches of 19 messages each hang off the second message
    for (let branch = 0; branch < 30; branch++) {
      await storage.sessions.edit('s', entries[1]?.id as string, { role: 'user', content: `edit ${branch}` })
      await storage.sessions.append('s', messages.slice(2))
    }
    read.calls = []
    read.list = 0
    read.ancestors = 0
    const branch = await storage.sessions.messages('s')
    expect(branch).toHaveLength(20)
    expect(read.calls).not.toContain('list session-message')
    expect(read.ancestors).toBe(20)
    read.ancestors = 0
    const fork = await storage.sessions.fork('s')
    expect(read.ancestors).toBe(20)
    expect(await storage.sessions.messages(fork.sessionId)).toEqual(branch)
  })
})
