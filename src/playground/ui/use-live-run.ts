/**
 * The chat's current run: followed over SSE, kept in sessionStorage with its last seq (per
 * session), so a reload shows what was streamed and continues after it with `Last-Event-ID`.
 *
 * @module
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { applyEvent, emptyLiveRun, isSettled, type LiveRun } from '../live-run.js'
import { errorText, followRun } from './api.js'

const PREFIX = 'agentloop.live.'
const SAVE_EVERY_MS = 150

function restore(sessionId: string | undefined): LiveRun | null {
  if (sessionId === undefined) return null
  try {
    const saved = JSON.parse(sessionStorage.getItem(PREFIX + sessionId) ?? 'null') as LiveRun | null
    if (saved === null || typeof saved.runId !== 'string' || !Array.isArray(saved.items)) return null
    // A completed run's messages are in the session already.
    return saved.status === 'completed' ? null : saved
  } catch {
    return null
  }
}

function persist(sessionId: string, run: LiveRun | null): void {
  if (run === null) sessionStorage.removeItem(PREFIX + sessionId)
  else sessionStorage.setItem(PREFIX + sessionId, JSON.stringify(run))
}

export interface LiveRunControl {
  run: LiveRun | null
  reconnecting: boolean
  error: string | null
  /** Shows and follows a run just submitted. */
  start(runId: string, sessionId: string): void
  /** Follows the run again after its last seq (after a decision on a paused run). */
  resume(): void
  /** Forgets the run (its messages are in the session now). */
  clear(): void
}

/** The live run of a session; `onSettled` is called when it ends or pauses. */
export function useLiveRun(sessionId: string | undefined, onSettled: (run: LiveRun) => void): LiveRunControl {
  const [state, setState] = useState(() => ({ sessionId, run: restore(sessionId) }))
  const [reconnecting, setReconnecting] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const current = useRef(state)
  current.current = state
  const settled = useRef(onSettled)
  settled.current = onSettled
  const abort = useRef<AbortController | null>(null)

  const follow = useCallback((owner: string, initial: LiveRun) => {
    abort.current?.abort()
    const controller = new AbortController()
    abort.current = controller
    let run = initial
    let timer: ReturnType<typeof setTimeout> | undefined
    const save = () => {
      timer = undefined
      persist(owner, run)
    }
    setError(null)
    followRun({
      runId: run.runId,
      after: run.lastSeq,
      signal: controller.signal,
      onEvent(event) {
        run = applyEvent(run, event)
        setReconnecting(false)
        setState({ sessionId: owner, run })
        timer ??= setTimeout(save, SAVE_EVERY_MS)
      },
      onReconnect: () => setReconnecting(true),
    })
      .then((result) => {
        if (timer !== undefined) clearTimeout(timer)
        if (controller.signal.aborted) return
        persist(owner, run)
        if (result.ended) settled.current(run)
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(errorText(failure))
      })
  }, [])

  // A session opened (or the page reloaded): continue its run where the saved copy stops.
  useEffect(() => {
    if (current.current.sessionId !== sessionId) setState({ sessionId, run: restore(sessionId) })
    const saved = current.current.sessionId === sessionId ? current.current.run : restore(sessionId)
    if (sessionId !== undefined && saved !== null && !isSettled(saved.status)) follow(sessionId, saved)
    return () => abort.current?.abort()
  }, [sessionId, follow])

  // The last events before a reload are kept too.
  useEffect(() => {
    const flush = () => {
      const { sessionId: owner, run } = current.current
      if (owner !== undefined && run !== null) persist(owner, run)
    }
    window.addEventListener('pagehide', flush)
    return () => window.removeEventListener('pagehide', flush)
  }, [])

  return {
    run: state.sessionId === sessionId ? state.run : null,
    reconnecting,
    error,
    start(runId, owner) {
      const run = emptyLiveRun(runId)
      persist(owner, run)
      current.current = { sessionId: owner, run }
      setState(current.current)
      follow(owner, run)
    },
    resume() {
      const { sessionId: owner, run } = current.current
      if (owner !== undefined && run !== null) follow(owner, { ...run, status: 'running' })
    },
    clear() {
      const { sessionId: owner } = current.current
      abort.current?.abort()
      if (owner !== undefined) persist(owner, null)
      setState({ sessionId: owner, run: null })
    },
  }
}
