/**
 * The playground's calls to the server's `/api`: the API key (entered once, kept in
 * sessionStorage for the tab), JSON requests with the API's error messages, and run events
 * through the fetch-based SSE client.
 *
 * @module
 */
import { type FollowResult, followEvents, type StreamedEvent, StreamRequestError } from '../sse-client.js'

const KEY = 'agentloop.apiKey'
/** Fired on `window` when the API answers 401: the app asks for a key. */
export const UNAUTHORIZED_EVENT = 'agentloop:unauthorized'

export function getApiKey(): string | null {
  return sessionStorage.getItem(KEY)
}

export function setApiKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY)
  else sessionStorage.setItem(KEY, key)
}

/** The `Authorization` header when a key is set (servers with `auth: 'none'` need none). */
export function authHeaders(): Record<string, string> {
  const key = getApiKey()
  return key === null ? {} : { Authorization: `Bearer ${key}` }
}

/** An error answer of the API: `{ error: { type, message, field? } }`. */
export class ApiError extends Error {
  readonly status: number
  readonly type: string
  constructor(status: number, type: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.type = type
  }
}

/** A JSON request to the API; rejects with {@link ApiError} on an error answer. */
export async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...authHeaders() }
  if (init.json !== undefined) headers['Content-Type'] = 'application/json'
  const response = await fetch(path, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  })
  const body = (await response.json().catch(() => ({}))) as { error?: { type?: string; message?: string } }
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT))
    throw new ApiError(
      response.status,
      body.error?.type ?? 'http',
      body.error?.message ?? `${response.status} ${response.statusText}`,
    )
  }
  return body as T
}

/** `encodeURIComponent` for path segments. */
export const segment = encodeURIComponent

/** Statuses after which a run never continues. */
const FINAL = new Set(['completed', 'failed', 'cancelled'])

/**
 * Follows a run's events after `after` (resuming with Last-Event-ID after a drop), up to the
 * next `run.end`; with `untilFinal`, through pauses (each ends a stretch with its own `run.end`)
 * up to a completed, failed or cancelled one.
 */
export function followRun(options: {
  runId: string
  after: number
  untilFinal?: boolean
  onEvent(event: StreamedEvent): void
  onReconnect?(info: { attempt: number; after: number }): void
  signal: AbortSignal
}): Promise<FollowResult> {
  const following = followEvents({
    url: `/api/runs/${segment(options.runId)}/events`,
    headers: authHeaders(),
    after: options.after,
    onEvent: options.onEvent,
    signal: options.signal,
    ...(options.untilFinal === true
      ? { isLast: (event: StreamedEvent) => event.type === 'run.end' && FINAL.has(String(event.status)) }
      : {}),
    ...(options.onReconnect === undefined ? {} : { onReconnect: options.onReconnect }),
  })
  following.catch((error: unknown) => {
    if (error instanceof StreamRequestError && error.status === 401)
      window.dispatchEvent(new Event(UNAUTHORIZED_EVENT))
  })
  return following
}

/** A message for an error of any kind. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
