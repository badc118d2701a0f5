import { describe, expect, it, vi } from 'vitest'
import { startExecution } from './execution.js'

type Data = { type: string }
type Event = Data & { owner: string; seq: number; time: number }

describe('startExecution', () => {
  it('stamps owner, seq and time in order, continues after a stored seq, and emits nothing after the end', () => {
    const delivered: Event[] = []
    const running = startExecution<Data, Event>({
      owner: (event) => {
        event.owner = 'r1'
      },
      endType: 'done',
      deliver: (event) => {
        delivered.push(event)
        return undefined
      },
    })
    running.emit({ type: 'a' })
    running.continueAfter(10)
    running.emit({ type: 'done' })
    running.emit({ type: 'late' })
    expect(delivered.map(({ type, seq, owner }) => ({ type, seq, owner }))).toEqual([
      { type: 'a', seq: 1, owner: 'r1' },
      { type: 'done', seq: 11, owner: 'r1' },
    ])
    expect(running.seq).toBe(11)
    expect(running.abortable).toBe(true)
  })

  it("cancels with the mapped reason of the caller's signal or of the timeout, first reason wins", async () => {
    const caller = new AbortController()
    const byCaller = startExecution<Data, Event>({
      owner: () => {},
      endType: 'done',
      signal: caller.signal,
      onSignal: (reason) => new Error(`cancelled: ${String(reason)}`),
    })
    caller.abort('stop')
    expect((byCaller.signal.reason as Error).message).toBe('cancelled: stop')
    byCaller.cancel(new Error('later'))
    expect((byCaller.signal.reason as Error).message).toBe('cancelled: stop')

    const byTimeout = startExecution<Data, Event>({
      owner: () => {},
      endType: 'done',
      timeoutMs: 20,
      onTimeout: () => new Error('timed out'),
    })
    expect(byTimeout.abortable).toBe(true)
    await new Promise((resolve) => byTimeout.signal.addEventListener('abort', resolve))
    expect((byTimeout.signal.reason as Error).message).toBe('timed out')

    const disposed = new AbortController()
    const quiet = startExecution<Data, Event>({ owner: () => {}, endType: 'done', signal: disposed.signal })
    expect(quiet.abortable).toBe(true)
    quiet.dispose()
    disposed.abort('ignored')
    expect(quiet.signal.aborted).toBe(false)
    expect(startExecution<Data, Event>({ owner: () => {}, endType: 'done' }).abortable).toBe(false)
  })

  it('times out after timeoutMs, also beyond the longest setTimeout delay; dispose stops the timer', () => {
    vi.useFakeTimers()
    try {
      const options = {
        owner: () => {},
        endType: 'done',
        onTimeout: () => new Error('timed out'),
      }
      const short = startExecution<Data, Event>({ ...options, timeoutMs: 50 })
      vi.advanceTimersByTime(49)
      expect(short.signal.aborted).toBe(false)
      vi.advanceTimersByTime(1)
      expect((short.signal.reason as Error).message).toBe('timed out')
      // 30 days: more than setTimeout's 2^31-1 ms, which would otherwise fire at once
      const day = 86_400_000
      const long = startExecution<Data, Event>({ ...options, timeoutMs: 30 * day })
      vi.advanceTimersByTime(29 * day)
      expect(long.signal.aborted).toBe(false)
      vi.advanceTimersByTime(day)
      expect(long.signal.aborted).toBe(true)
      const disposed = startExecution<Data, Event>({ ...options, timeoutMs: 50 })
      disposed.dispose()
      vi.advanceTimersByTime(100)
      expect(disposed.signal.aborted).toBe(false)
      // without onTimeout the reason is a TimeoutError, as AbortSignal.timeout gives
      const plain = startExecution<Data, Event>({ owner: () => {}, endType: 'done', timeoutMs: 5 })
      vi.advanceTimersByTime(5)
      expect((plain.signal.reason as DOMException).name).toBe('TimeoutError')
    } finally {
      vi.useRealTimers()
    }
  })
})
