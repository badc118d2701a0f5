/**
 * One run, inside: its status, usage and error; the timeline of its steps (turns, model calls,
 * tool calls, nodes, compactions, checkpoints, approvals) with durations and tokens; the request
 * the model was sent at each turn, as stored; and every event. Live while the run runs (SSE with
 * resume), and after the fact from the stored log (the same stream replays it).
 *
 * @module
 */
import { useEffect, useState } from 'preact/hooks'
import { buildTimeline, type TimelineRow } from '../run-timeline.js'
import type { StreamedEvent } from '../sse-client.js'
import { api, errorText, followRun, segment } from './api.js'
import { formatDuration, formatTime, html, pretty } from './html.js'
import { hrefOf } from './router.js'

interface RunInfo {
  runId: string
  agent: string
  status: string
  sessionId?: string
  createdAt: number
  updatedAt: number
  usage?: Record<string, number>
  error?: { name: string; message: string }
  output?: unknown
}
interface Requests {
  available: boolean
  reason?: string
  instructions?: string
  tools: { name: string; description: string }[]
  turns: { turn: number; messages: { role: string; content: unknown }[] }[]
}

export function RunInspector(props: { runId: string }) {
  const [info, setInfo] = useState<RunInfo | null>(null)
  const [events, setEvents] = useState<StreamedEvent[]>([])
  const [requests, setRequests] = useState<Requests | null>(null)
  const [live, setLive] = useState(true)
  const [error, setError] = useState<string | null>(null)
  const [generation, setGeneration] = useState(0)
  const path = `/api/runs/${segment(props.runId)}`

  useEffect(() => {
    const controller = new AbortController()
    const collected: StreamedEvent[] = []
    let frame: ReturnType<typeof setTimeout> | undefined
    setEvents([])
    setLive(true)
    api<RunInfo>(path).then(setInfo, (failure: unknown) => setError(errorText(failure)))
    followRun({
      runId: props.runId,
      after: 0,
      untilFinal: true,
      signal: controller.signal,
      onEvent(event) {
        collected.push(event)
        if (event.type === 'run.end') api<RunInfo>(path).then(setInfo, () => {})
        // A replayed log arrives at once: render in batches.
        frame ??= setTimeout(() => {
          frame = undefined
          setEvents([...collected])
        }, 50)
      },
    })
      .then(async () => {
        if (controller.signal.aborted) return
        if (frame !== undefined) clearTimeout(frame)
        setEvents([...collected])
        setLive(false)
        setInfo(await api<RunInfo>(path))
        setRequests(await api<Requests>(`${path}/requests`))
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(errorText(failure))
      })
    api<Requests>(`${path}/requests`).then(setRequests, () => {})
    return () => controller.abort()
  }, [props.runId, generation])

  const rows = buildTimeline(events)
  const origin = rows[0]?.start ?? events[0]?.time
  const requestOf = (turn: number | undefined) => requests?.turns.find((entry) => entry.turn === turn)
  const compactionOf = (turn: number | undefined) =>
    events.find((event) => event.type === 'context.compact' && event.turn === turn)

  return html`<section class="inspector" aria-labelledby="inspector-title">
    <div class="toolbar">
      <h1 id="inspector-title">Run <code>${props.runId.slice(0, 8)}</code></h1>
      ${info !== null && html`<span class=${`badge status-${info.status}`}>${info.status}</span>`}
      ${live ? html`<span class="badge live" role="status">live</span>` : html`<button type="button" class="quiet" onClick=${() => setGeneration((value) => value + 1)}>Reload</button>`}
      <a class="button quiet" href=${hrefOf('runs')}>All runs</a>
    </div>
    ${error !== null && html`<p class="error" role="alert">${error}</p>`}
    ${
      info !== null &&
      html`<dl class="facts">
      <dt>Agent</dt><dd>${info.agent}</dd>
      <dt>Started</dt><dd>${formatTime(info.createdAt)}</dd>
      <dt>Updated</dt><dd>${formatTime(info.updatedAt)}</dd>
      ${
        info.sessionId !== undefined &&
        html`<dt>Session</dt><dd><a href=${hrefOf('chat', undefined, { session: info.sessionId, agent: info.agent })}>open in chat</a></dd>`
      }
      ${
        info.usage !== undefined &&
        html`<dt>Usage</dt><dd>${info.usage.inputTokens ?? 0} in / ${info.usage.outputTokens ?? 0} out tokens, ${info.usage.modelCalls ?? 0} model calls, ${info.usage.toolCalls ?? 0} tool calls</dd>`
      }
    </dl>`
    }
    ${info?.error !== undefined && html`<p class="error" role="alert">${info.error.name}: ${info.error.message}</p>`}
    <h2>Timeline</h2>
    <ol class="timeline" aria-label="Steps of the run">
      ${rows.map(
        (row) => html`<${TimelineItem}
        key=${row.seq}
        row=${row}
        origin=${origin ?? row.start}
        request=${row.kind === 'model' ? requestOf(row.turn) : undefined}
        compaction=${row.kind === 'model' ? compactionOf(row.turn) : undefined}
        requests=${requests}
      />`,
      )}
    </ol>
    ${rows.length === 0 && html`<p>${live ? 'Waiting for events…' : 'No events stored for this run.'}</p>`}
    <details class="events">
      <summary>All events (${events.length})</summary>
      <ol>${events.map((event) => html`<li key=${event.seq}><code>${event.seq} ${event.type}</code><pre>${pretty(event)}</pre></li>`)}</ol>
    </details>
  </section>`
}

/** Rows that last (a start and an end); the others are points in time. */
const SPANS = new Set(['run', 'turn', 'model', 'tool', 'node'])

function TimelineItem(props: {
  row: TimelineRow
  origin: number
  request: Requests['turns'][number] | undefined
  compaction: StreamedEvent | undefined
  requests: Requests | null
}) {
  const { row } = props
  const end = row.events.at(-1)
  return html`<li class=${`step depth-${row.depth} kind-${row.kind}${row.error !== undefined ? ' failed' : ''}`}>
    <details>
      <summary>
        <span class="step-label">${row.label}</span>
        <span class="muted">+${formatDuration(row.start - props.origin)}</span>
        ${SPANS.has(row.kind) && html`<span class="duration">${row.end === undefined ? 'running…' : formatDuration(row.durationMs)}</span>`}
        ${row.usage !== undefined && html`<span class="tokens">${row.usage.inputTokens} in / ${row.usage.outputTokens} out</span>`}
        ${row.status !== undefined && html`<span class=${`badge status-${row.status}`}>${row.status}</span>`}
      </summary>
      ${row.error !== undefined && html`<p class="error">${row.error}</p>`}
      ${
        row.kind === 'model' &&
        html`<div class="request">
        <h3>Request sent at turn ${row.turn}</h3>
        ${
          props.compaction !== undefined &&
          html`<p class="note">Compacted before sending: the model saw ${String(props.compaction.messagesAfter)} of ${String(props.compaction.messagesBefore)} messages (${String(props.compaction.tokensAfter)} tokens).</p>`
        }
        ${props.requests?.instructions !== undefined && html`<div class="label">Instructions</div><pre>${props.requests.instructions}</pre>`}
        ${(props.requests?.tools.length ?? 0) > 0 && html`<div class="label">Tools</div><p>${props.requests?.tools.map((entry) => entry.name).join(', ')}</p>`}
        ${
          props.request === undefined
            ? html`<p class="muted">${props.requests?.available === false ? props.requests.reason : 'Stored once the turn is checkpointed.'}</p>`
            : html`<div class="label">Messages (${props.request.messages.length}, as stored)</div>
            <ol class="request-messages">${props.request.messages.map((message) => html`<li><strong>${message.role}</strong><pre>${pretty(message.content)}</pre></li>`)}</ol>`
        }
        ${end?.type === 'model.end' && html`<div class="label">Answer</div><pre>${String(end.text ?? '')}${Array.isArray(end.toolCalls) && end.toolCalls.length > 0 ? `\ntool calls: ${pretty(end.toolCalls)}` : ''}</pre>`}
      </div>`
      }
      ${row.kind !== 'model' && html`<pre>${pretty(row.events.length === 1 ? row.events[0] : row.events)}</pre>`}
    </details>
  </li>`
}
