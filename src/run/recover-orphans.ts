/**
 * Orphan recovery: runs left `queued` or `running` by a process that stopped (no process executes
 * them, nothing wrote them for a while, and the queue holds no job for them) are queued again and
 * resume from their checkpoint. Workers do it when they start and then every `orphanAfterMs`.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { Storage } from '../storage/storage.js'
import { endStoredRun } from './end-stored-run.js'
import type { EventBus } from './event-bus.js'
import type { FindRunnable } from './find-runnable.js'
import type { RunQueue } from './run-queue.js'

/** Where to look for orphans, and what counts as one. */
export interface OrphanSearch {
  storage: Storage
  queue: RunQueue
  bus: EventBus
  /** The runnable a run names (the registry, then the runtime's `resolveRunnable`). */
  find: FindRunnable
  /** A run not written for this long may be an orphan. */
  olderThanMs: number
  /** Whether this process executes the run (then it is no orphan). */
  executingHere(runId: string): boolean
}

/**
 * Finds runs left `queued` or `running` with no process executing them (not written for
 * `olderThanMs`, and no job for them in the queue) and queues them again: they resume from their
 * checkpoint. A run whose runnable this runtime does not know is failed with a `run.end`.
 * Returns how many runs it queued or failed.
 */
export async function recoverOrphans(search: OrphanSearch): Promise<number> {
  const { storage, queue, bus, find, executingHere } = search
  const olderThan = Date.now() - search.olderThanMs
  let found = 0
  let cursor: string | undefined
  do {
    const page = await storage.runs.page({
      kind: 'all',
      status: ['queued', 'running'],
      limit: 200,
      ...(cursor === undefined ? {} : { cursor }),
    })
    for (const record of page.runs) {
      if (executingHere(record.runId)) continue
      if (record.updatedAt > olderThan) continue
      if (await queue.has(record.runId)) continue
      found++
      if ((await find(record.agentName)) === undefined) {
        await endStoredRun({
          storage,
          bus,
          record,
          status: 'failed',
          error: new ConfigError({
            message: `Run "${record.runId}" was left ${record.status} by a process that stopped, and no runnable "${record.agentName}" is registered here to resume it.`,
          }),
        }).catch(() => {})
        continue
      }
      await queue.enqueue({ runId: record.runId, name: record.agentName })
    }
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return found
}
