/**
 * Listing as the number of runs grows: `runs.list({ limit: 10 })` (the first page), a page with a
 * status filter, a rare status, the second page through the cursor, and a session's messages
 * (`sessions.messages`) on one branch of a session with many branches. Each figure is the median
 * of 30 calls, in ms.
 */
import type { RunStatus, Storage } from 'agentloop'
import {
  type BenchBackend,
  median,
  postgresBackend,
  reachable,
  redisBackend,
  sqliteBackend,
} from './scale-backends.js'

const SIZES = (process.env.SCALE_RUNS ?? '1000,10000,100000').split(',').map(Number)

async function time(call: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let index = 0; index < 30; index++) {
    const start = performance.now()
    await call()
    times.push(performance.now() - start)
  }
  return median(times)
}

/** Adds runs up to `total`: 60% completed, 30% failed, 9% running, 1% needs_review. */
async function fill(storage: Storage, from: number, total: number): Promise<void> {
  const statusOf = (index: number): RunStatus =>
    index % 100 === 0 ? 'needs_review' : index % 10 < 6 ? 'completed' : index % 10 < 9 ? 'failed' : 'running'
  for (let start = from; start < total; start += 500) {
    const batch: Promise<unknown>[] = []
    for (let index = start; index < Math.min(total, start + 500); index++) {
      batch.push(
        storage.runs.save({
          runId: `run-${index}`,
          agentName: `agent-${index % 20}`,
          status: statusOf(index),
          snapshot: { version: 1, index },
        }),
      )
    }
    await Promise.all(batch)
  }
}

async function listCurve(backend: BenchBackend): Promise<void> {
  const problem = await reachable(backend)
  if (problem !== undefined) {
    console.log(`  ${backend.name}: skipped (${problem})`)
    return
  }
  const storage = backend.open()
  try {
    let stored = 0
    for (const size of SIZES) {
      const fillStart = performance.now()
      await fill(storage, stored, size)
      const fillSeconds = (performance.now() - fillStart) / 1000
      stored = size
      const first = await time(() => storage.runs.list({ limit: 10 }))
      const completed = await time(() => storage.runs.list({ limit: 10, status: 'completed' }))
      const rare = await time(() =>
        storage.runs.list({ limit: 10, status: 'needs_review', agentName: 'agent-0' }),
      )
      const { nextCursor } = await storage.runs.page({ limit: 10 })
      const second = await time(() => storage.runs.page({ limit: 10, cursor: nextCursor ?? undefined }))
      console.log(
        `  ${backend.name.padEnd(14)} ${String(size).padStart(7)} runs  first page ${first.toFixed(2).padStart(6)} ms  status ${completed
          .toFixed(2)
          .padStart(6)} ms  rare status+agent ${rare.toFixed(2).padStart(6)} ms  page 2 ${second
          .toFixed(2)
          .padStart(6)} ms   (filled in ${fillSeconds.toFixed(1)} s)`,
      )
    }
  } finally {
    await storage.close()
    await backend.cleanUp()
  }
}

/** A session whose tree has `branches` branches of `length` messages; reads one branch. */
async function sessionCurve(backend: BenchBackend): Promise<void> {
  const problem = await reachable(backend)
  if (problem !== undefined) return
  const storage = backend.open()
  try {
    for (const branches of [1, 10, 100]) {
      const sessionId = `tree-${branches}`
      const length = 50
      await storage.sessions.create({ sessionId })
      const messages = Array.from({ length }, (_, index) => ({ role: 'user' as const, content: `m${index}` }))
      await storage.sessions.append(sessionId, messages)
      const entries = await storage.sessions.entries(sessionId)
      for (let branch = 1; branch < branches; branch++) {
        await storage.sessions.edit(sessionId, entries[1]?.id as string, {
          role: 'user',
          content: `edit ${branch}`,
        })
        await storage.sessions.append(sessionId, messages.slice(2))
      }
      const read = await time(() => storage.sessions.messages(sessionId))
      const fork = await time(() => storage.sessions.fork(sessionId))
      console.log(
        `  ${backend.name.padEnd(14)} ${String(branches * length).padStart(6)} messages in ${String(branches).padStart(3)} branches: messages() of one branch ${read
          .toFixed(2)
          .padStart(6)} ms, fork ${fork.toFixed(2).padStart(6)} ms`,
      )
    }
  } finally {
    await storage.close()
    await backend.cleanUp()
  }
}

/** Prints the listing curves. */
export async function listSection(): Promise<void> {
  console.log(
    `\nruns.list as runs grow (median of 30 calls; target: ${SIZES.at(-1)} within 2x of ${SIZES[0]})`,
  )
  for (const backend of [sqliteBackend('NORMAL'), postgresBackend(), redisBackend()]) await listCurve(backend)
  console.log('\nsessions: one branch of 50 messages as the tree grows (median of 30 calls)')
  for (const backend of [sqliteBackend('NORMAL'), postgresBackend(), redisBackend()])
    await sessionCurve(backend)
}
