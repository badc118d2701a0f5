/**
 * A run's events over `fetch` (the browser's `EventSource` cannot send `Authorization`): parses
 * the `text/event-stream` body, remembers the last `id:` (the event's seq) and, when the
 * connection drops before `run.end`, reconnects with `Last-Event-ID` so nothing is missed and
 * nothing is seen twice. Used by the playground; no DOM needed (tested under Node).
 *
 * @module
 */
import { createParser } from 'eventsource-parser'

/** One event of the stream, its JSON parsed. */
export interface StreamedEvent {
  type: string
  seq: number
  [field: string]: unknown
}

/** Options of {@link followEvents}. */
export interface FollowOptions {
  /** The events URL (`/api/runs/{runId}/events`). */
  url: string
  /** Sent with every request (`Authorization`). */
  headers?: Record<string, string>
  /** Continue after this seq (0: from the first event). */
  after?: number
  /** Called once per event, in seq order, never twice for one seq. */
  onEvent(event: StreamedEvent): void
  /** Called before each reconnection, with the seq it resumes after. */
  onReconnect?(info: { attempt: number; after: number; reason: string }): void
  /** Whether the stream is over after this event. Default: `run.end`. */
  isLast?(event: StreamedEvent): boolean
  signal?: AbortSignal
  /** Waits before reconnecting, by attempt (the last one repeats). Default 250, 500, 1000, 2000 ms. */
  retryDelaysMs?: readonly number[]
  /** Reconnections in a row without a new event before giving up. Default 8. */
  maxRetries?: number
  fetch?: typeof fetch
}

/** How following ended. */
export interface FollowResult {
  /** The last seq seen (the resume point for a later follow). */
  lastSeq: number
  /** True when the last event came (`run.end`); false when aborted. */
  ended: boolean
}

/** An answer of the API that retrying does not fix (401, 404, 422...). */
export class StreamRequestError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.name = 'StreamRequestError'
    this.status = status
  }
}

const DEFAULT_DELAYS = [250, 500, 1000, 2000] as const

/**
 * Follows a run's events until `run.end` (or `isLast`), reconnecting with `Last-Event-ID` after
 * a dropped connection, a 5xx, a 429 or a stream that ends early (a server shutting down).
 * Resolves with the last seq; rejects with {@link StreamRequestError} for a 4xx answer.
 */
export async function followEvents(options: FollowOptions): Promise<FollowResult> {
  const doFetch = options.fetch ?? fetch
  const isLast = options.isLast ?? ((event: StreamedEvent) => event.type === 'run.end')
  const delays = options.retryDelaysMs ?? DEFAULT_DELAYS
  const maxRetries = options.maxRetries ?? 8
  let lastSeq = options.after ?? 0
  let ended = false
  let failures = 0

  const parser = createParser({
    onEvent(message) {
      if (ended) return
      const event = parseEvent(message.data)
      if (event === undefined) return
      const seq = message.id !== undefined && /^\d+$/.test(message.id) ? Number(message.id) : event.seq
      // A replay after reconnecting never delivers an event twice.
      if (seq <= lastSeq) return
      lastSeq = seq
      failures = 0
      options.onEvent(event)
      if (isLast(event)) ended = true
    },
  })

  while (!ended) {
    if (options.signal?.aborted) return { lastSeq, ended: false }
    let reason: string
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream', ...options.headers }
      if (lastSeq > 0) headers['Last-Event-ID'] = String(lastSeq)
      const response = await doFetch(options.url, {
        headers,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      })
      if (!response.ok) {
        const message = await errorMessage(response)
        if (response.status < 500 && response.status !== 429) {
          throw new StreamRequestError(response.status, message)
        }
        reason = `${response.status}: ${message}`
      } else if (response.body === null) {
        reason = 'the answer has no body'
      } else {
        parser.reset()
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        try {
          for (;;) {
            const { value, done } = await reader.read()
            if (done || ended) break
            parser.feed(value)
          }
        } finally {
          if (ended) await reader.cancel().catch(() => {})
        }
        reason = 'the stream ended before run.end'
      }
    } catch (error) {
      if (error instanceof StreamRequestError) throw error
      if (options.signal?.aborted) return { lastSeq, ended: false }
      reason = error instanceof Error ? error.message : String(error)
    }
    if (ended) break
    failures += 1
    if (failures > maxRetries) {
      throw new Error(`The event stream failed ${failures} times in a row (last: ${reason}).`)
    }
    options.onReconnect?.({ attempt: failures, after: lastSeq, reason })
    const delay = delays[Math.min(failures - 1, delays.length - 1)] ?? 1000
    if (!(await wait(delay, options.signal))) return { lastSeq, ended: false }
  }
  return { lastSeq, ended: true }
}

function parseEvent(data: string): StreamedEvent | undefined {
  try {
    const value: unknown = JSON.parse(data)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    const event = value as Partial<StreamedEvent>
    if (typeof event.type !== 'string' || typeof event.seq !== 'number') return undefined
    return event as StreamedEvent
  } catch {
    return undefined
  }
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } }
    return body.error?.message ?? response.statusText
  } catch {
    return response.statusText || `HTTP ${response.status}`
  }
}

function wait(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      resolve(false)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
