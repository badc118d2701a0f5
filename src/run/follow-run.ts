/**
 * `runtime.events(runId, { after })`: the run's stored log from `after`, then its live events,
 * with no gap and no duplicate at the seam. The subscription starts before the log is read, so
 * nothing published meanwhile is lost; an event is yielded only when its `seq` is the next one.
 * A live event that skips a `seq`, a consumer too slow for the buffer, or a quiet bus (a lost
 * message) sends the reader back to the stored log, which holds every event before it is
 * published. Memory stays bounded: the live buffer holds at most `maxBuffered` events, then it is
 * dropped and the events are read again from storage (drop-and-resync).
 *
 * @module
 */
import type { RunEvent } from '../events/run-event.js'
import type { Storage } from '../storage/storage.js'
import type { EventBus } from './event-bus.js'

/** Options of {@link followRun}. */
export interface FollowRunOptions {
  storage: Storage
  bus: EventBus
  runId: string
  /** Yield events with a `seq` above this (default 0: the whole log). */
  after?: number
  /** Live events held for a slow consumer before they are dropped and read again from storage (default 1024). */
  maxBuffered?: number
  /** While no live event arrives, the stored log is read again after this many milliseconds (default 2000). */
  pollMs?: number
  /** Stops following (the iteration ends without error). */
  signal?: AbortSignal
}

/** How many stored events one read returns. */
const PAGE = 256

/** See the module comment. Ends after the run's `run.end`. */
export async function* followRun(options: FollowRunOptions): AsyncGenerator<RunEvent, void, undefined> {
  const { storage, bus, runId } = options
  const maxBuffered = options.maxBuffered ?? 1024
  const pollMs = options.pollMs ?? 2000
  let last = options.after ?? 0
  let buffer: RunEvent[] = []
  let dropped = false
  let wake: (() => void) | undefined
  const onEvent = (event: RunEvent) => {
    if (event.seq <= last) return
    if (dropped) return
    if (buffer.length >= maxBuffered) {
      // Drop-and-resync: the consumer is behind; what it misses is in the stored log.
      buffer = []
      dropped = true
    } else {
      buffer.push(event)
    }
    wake?.()
  }
  const unsubscribeEvents = await bus.subscribe(runId, onEvent)
  // A bus with end channels may publish only the run.end of a run it thinks nobody follows: heard
  // there, it ends the run or reveals a gap (the log then has the rest). A duplicate is ignored.
  const unsubscribeEnd = await bus
    .subscribeEnd?.(runId, (notice) => {
      if (!buffer.some((event) => event.seq === notice.event.seq)) onEvent(notice.event)
    })
    .catch((error: unknown) => {
      unsubscribeEvents()
      throw error
    })
  const unsubscribe = () => {
    unsubscribeEvents()
    unsubscribeEnd?.()
  }
  const stop = options.signal
  const onStop = () => wake?.()
  stop?.addEventListener('abort', onStop)
  try {
    for (;;) {
      // From the stored log, page by page, until it has nothing newer.
      dropped = false
      for (;;) {
        const page = await storage.runs.readEvents(runId, { afterSeq: last, limit: PAGE })
        for (const event of page) {
          if (event.seq <= last) continue
          last = event.seq
          yield event
          if (event.type === 'run.end') return
          if (stop?.aborted) return
        }
        if (page.length < PAGE) break
      }
      // Live: the next seq from the buffer; a gap, a drop or a quiet spell reads the log again.
      for (;;) {
        if (stop?.aborted) return
        if (dropped) break
        buffer.sort((left, right) => left.seq - right.seq)
        let index = 0
        while (index < buffer.length && (buffer[index] as RunEvent).seq <= last) index++
        const next = buffer[index]
        if (next !== undefined && next.seq === last + 1) {
          buffer = buffer.slice(index + 1)
          last = next.seq
          yield next
          if (next.type === 'run.end') return
          continue
        }
        buffer = buffer.slice(index)
        if (next !== undefined) break // a gap: the missing events are stored
        const woke = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), pollMs)
          wake = () => {
            clearTimeout(timer)
            resolve(true)
          }
        })
        wake = undefined
        if (!woke) break
      }
    }
  } finally {
    stop?.removeEventListener('abort', onStop)
    wake = undefined
    unsubscribe()
  }
}
