/**
 * The runs of the key's owner, newest first, filtered by status, agent and time (the filters
 * live in the address, so a filtered list can be shared or reloaded); each opens the inspector.
 *
 * @module
 */
import { useEffect, useState } from 'preact/hooks'
import { api, errorText } from './api.js'
import { formatTime, html } from './html.js'
import { hrefOf, navigate } from './router.js'

interface RunSummary {
  runId: string
  agent: string
  status: string
  sessionId?: string
  createdAt: number
  updatedAt: number
}

const STATUSES = [
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'awaiting_approval',
  'needs_review',
  'awaiting_input',
]
const SINCE: Record<string, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
}

export function RunsScreen(props: { params: URLSearchParams }) {
  const status = props.params.get('status') ?? ''
  const agent = props.params.get('agent') ?? ''
  const since = props.params.get('since') ?? ''
  const [runs, setRuns] = useState<RunSummary[] | null>(null)
  const [cursor, setCursor] = useState<string | null>(null)
  const [agents, setAgents] = useState<string[]>([])
  const [error, setError] = useState<string | null>(null)

  const load = async (after: string | null) => {
    const query = new URLSearchParams({ limit: '50' })
    if (status !== '') query.set('status', status)
    if (agent !== '') query.set('agent', agent)
    if (after !== null) query.set('cursor', after)
    try {
      const page = await api<{ runs: RunSummary[]; nextCursor: string | null }>(`/api/runs?${query}`)
      // Newest first: once a run is older than the window, the rest are too.
      const from = SINCE[since] === undefined ? 0 : Date.now() - (SINCE[since] as number)
      const recent = page.runs.filter((run) => run.createdAt >= from)
      setRuns((previous) => [...(after === null ? [] : (previous ?? [])), ...recent])
      setCursor(recent.length < page.runs.length ? null : page.nextCursor)
    } catch (failure) {
      setError(errorText(failure))
    }
  }
  useEffect(() => {
    setRuns(null)
    void load(null)
  }, [status, agent, since])
  useEffect(() => {
    api<{ agents: { name: string }[] }>('/api/agents')
      .then((answer) => setAgents(answer.agents.map((entry) => entry.name)))
      .catch(() => {})
  }, [])

  const filter = (name: string, value: string) =>
    navigate(hrefOf('runs', undefined, { status, agent, since, [name]: value }))

  return html`<section aria-labelledby="runs-title">
    <div class="toolbar">
      <h1 id="runs-title">Runs</h1>
      <button type="button" class="quiet" onClick=${() => load(null)}>Refresh</button>
    </div>
    <form class="filters" aria-label="Filter runs" onSubmit=${(event: Event) => event.preventDefault()}>
      <label>Status
        <select value=${status} onChange=${(event: Event) => filter('status', (event.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          ${STATUSES.map((entry) => html`<option value=${entry}>${entry}</option>`)}
        </select>
      </label>
      <label>Agent
        <select value=${agent} onChange=${(event: Event) => filter('agent', (event.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          ${[...new Set([...agents, ...(agent === '' ? [] : [agent])])].map((entry) => html`<option value=${entry}>${entry}</option>`)}
        </select>
      </label>
      <label>Started
        <select value=${since} onChange=${(event: Event) => filter('since', (event.target as HTMLSelectElement).value)}>
          <option value="">any time</option>
          <option value="15m">last 15 minutes</option>
          <option value="1h">last hour</option>
          <option value="24h">last 24 hours</option>
          <option value="7d">last 7 days</option>
        </select>
      </label>
    </form>
    ${error !== null && html`<p class="error" role="alert">${error}</p>`}
    ${runs === null ? html`<p>Loading…</p>` : runs.length === 0 ? html`<p>No run matches.</p>` : null}
    <table class="runs">
      <thead><tr><th scope="col">Run</th><th scope="col">Agent</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Updated</th></tr></thead>
      <tbody>
        ${(runs ?? []).map(
          (run) => html`<tr key=${run.runId}>
            <td data-label="Run"><a href=${hrefOf('runs', run.runId)}>${run.runId.slice(0, 8)}</a></td>
            <td data-label="Agent">${run.agent}</td>
            <td data-label="Status"><span class=${`badge status-${run.status}`}>${run.status}</span></td>
            <td data-label="Started">${formatTime(run.createdAt)}</td>
            <td data-label="Updated">${formatTime(run.updatedAt)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${cursor !== null && html`<button type="button" onClick=${() => load(cursor)}>Load more</button>`}
    <p class="muted">Filters by status and agent are the server's (<code>GET /api/runs?status=&agent=</code>); the time window is applied to the newest-first pages here.</p>
  </section>`
}
