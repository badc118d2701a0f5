/**
 * The sessions of the key's owner, newest first, page by page: open one to continue it in the
 * chat, or delete it.
 *
 * @module
 */
import { useEffect, useState } from 'preact/hooks'
import { api, errorText, segment } from './api.js'
import { formatTime, html } from './html.js'
import { hrefOf } from './router.js'

interface Session {
  sessionId: string
  title?: string
  parentSessionId?: string
  createdAt: number
  updatedAt: number
}

export function SessionsScreen() {
  const [sessions, setSessions] = useState<Session[] | null>(null)
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  const load = async (after: string | null) => {
    try {
      const page = await api<{ sessions: Session[]; nextCursor: string | null }>(
        `/api/sessions?limit=50${after === null ? '' : `&cursor=${segment(after)}`}`,
      )
      setSessions((previous) => [...(after === null ? [] : (previous ?? [])), ...page.sessions])
      setCursor(page.nextCursor)
    } catch (failure) {
      setError(errorText(failure))
    }
  }
  useEffect(() => {
    void load(null)
  }, [])

  const remove = async (session: Session) => {
    if (!confirm(`Delete the session "${session.title ?? session.sessionId}" with all its branches?`)) return
    try {
      await api(`/api/sessions/${segment(session.sessionId)}`, { method: 'DELETE' })
      setSessions((previous) => (previous ?? []).filter((entry) => entry.sessionId !== session.sessionId))
    } catch (failure) {
      setError(errorText(failure))
    }
  }

  return html`<section aria-labelledby="sessions-title">
    <div class="toolbar">
      <h1 id="sessions-title">Sessions</h1>
      <a class="button" href=${hrefOf('chat')}>New chat</a>
    </div>
    ${error !== null && html`<p class="error" role="alert">${error}</p>`}
    ${sessions === null ? html`<p>Loading…</p>` : sessions.length === 0 ? html`<p>No session yet: start a chat.</p>` : null}
    <ul class="cards">
      ${(sessions ?? []).map(
        (session) => html`<li class="card" key=${session.sessionId}>
          <a class="card-title" href=${hrefOf('chat', undefined, { session: session.sessionId })}>${session.title ?? session.sessionId}</a>
          <span class="muted">updated ${formatTime(session.updatedAt)}</span>
          ${
            session.parentSessionId !== undefined &&
            html`<span class="muted"> · forked from <a href=${hrefOf('chat', undefined, { session: session.parentSessionId })}>another session</a></span>`
          }
          <button type="button" class="quiet danger" aria-label=${`Delete ${session.title ?? session.sessionId}`} onClick=${() => remove(session)}>
            Delete
          </button>
        </li>`,
      )}
    </ul>
    ${cursor !== null && html`<button type="button" onClick=${() => load(cursor)}>Load more</button>`}
  </section>`
}
