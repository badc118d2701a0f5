/**
 * `runtime.wait` for a run this process does not execute: waits until its stored status is no
 * longer `queued` or `running`, then loads its checkpoint. The run's channel on the bus is joined
 * before the status is read, so a `run.end` published meanwhile is not missed; the event log is
 * not read (that is `runtime.events`). A `run.end` is published only after it is stored, so the
 * status read after it says how the run ended. A lost message (pub/sub is fire and forget) costs
 * at most `pollMs`: while nothing arrives, the status is read again every `pollMs`.
 *
 * Storage reads per run: the status once (one more every `pollMs` of a long run) and the
 * checkpoint once, when the `run.end` arrives. With a bus that has end channels (`subscribeEnd`,
 * the Redis bus), the waiter hears only the run's `run.end`; when the process that executed the run
 * sent the run's result with it (a completed agent run whose result is small enough), that result
 * is the answer and the checkpoint is not read. The result is sent only after the run's end is
 * stored, like the `run.end` itself.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { RunStatus } from '../events/run-event.js'
import type { RunCheckpoint } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import type { EventBus, Unsubscribe } from './event-bus.js'

/** Statuses a run leaves only by executing. */
const OPEN: ReadonlySet<RunStatus> = new Set(['queued', 'running'])

/** Options of {@link awaitRunEnd}. */
export interface AwaitRunEndOptions {
  storage: Storage
  bus: EventBus
  runId: string
  /** While no `run.end` arrives, the stored status is read again after this many milliseconds (default 2000). */
  pollMs?: number
}

/** How a run ended: its stored record and checkpoint, or the result its worker sent with its `run.end`. */
export type RunEnding = { checkpoint: RunCheckpoint } | { result: unknown }

/** See the module comment. Throws `ConfigError` for an unknown run, or one whose checkpoint was pruned. */
export async function awaitRunEnd(options: AwaitRunEndOptions): Promise<RunEnding> {
  const { storage, bus, runId } = options
  const pollMs = options.pollMs ?? 2000
  /** Set by a `run.end` from the bus. */
  let ended = false
  /** Set by a `run.end` that came with the run's result. */
  let told: { result: unknown } | undefined
  let wake: (() => void) | undefined
  const unsubscribe: Unsubscribe =
    bus.subscribeEnd !== undefined
      ? await bus.subscribeEnd(runId, (notice) => {
          ended = true
          if (notice.event.status === 'completed' && notice.result !== undefined)
            told = { result: notice.result }
          wake?.()
        })
      : await bus.subscribe(runId, (event) => {
          if (event.type !== 'run.end') return
          ended = true
          wake?.()
        })
  try {
    for (;;) {
      if (told !== undefined) return told
      if (ended) {
        // Told it ended: the stored run says how (a run.end is published after it is stored).
        ended = false
        const checkpoint = await storage.runs.load(runId)
        if (checkpoint !== null && !OPEN.has(checkpoint.record.status)) return { checkpoint }
      }
      const record = await storage.runs.get(runId)
      if (told !== undefined) return told
      if (record === null) throw new ConfigError({ message: `wait: there is no run "${runId}".` })
      if (!OPEN.has(record.status)) break
      // A run.end that arrived while the status was read is kept in `ended`: load at once.
      if (ended) continue
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      wake = undefined
    }
  } finally {
    wake = undefined
    unsubscribe()
  }
  const checkpoint = await storage.runs.load(runId)
  if (checkpoint === null) {
    throw new ConfigError({
      message: `wait: run "${runId}" has no checkpoint any more (it was pruned); read its events with storage.runs.readEvents.`,
    })
  }
  return { checkpoint }
}
