/**
 * Workflows: the registered ones, each drawn from its definition; start a run, watch its nodes'
 * statuses live, answer the human-input nodes it waits on. Tolerant of a server without the
 * workflow routes (it says so).
 *
 * @module
 */
import { useEffect, useState } from 'preact/hooks'
import type { GraphDefinition } from '../graph-layout.js'
import type { StreamedEvent } from '../sse-client.js'
import { ApiError, api, errorText, followRun, segment } from './api.js'
import { html, pretty } from './html.js'
import { hrefOf, navigate } from './router.js'
import { WorkflowGraph } from './workflow-graph.js'

const INPUT_KEY = 'agentloop.workflowInput'

interface WorkflowEntry {
  name: string
  description?: string
  definition: GraphDefinition & { description?: string }
}
interface RunView {
  status: string
  lastSeq: number
  nodes: Record<string, string>
  waiting: { nodeId: string; prompt: unknown }[]
  output?: unknown
  error?: string
}

/** The list answer, as `{ workflows: [...] }` or a bare list; entries with or without `definition`. */
function entriesOf(answer: unknown): WorkflowEntry[] {
  const list = Array.isArray(answer) ? answer : ((answer as { workflows?: unknown[] }).workflows ?? [])
  return list.map((item) => {
    const entry = item as Partial<WorkflowEntry> & GraphDefinition & { name: string }
    return { name: entry.name, definition: entry.definition ?? entry }
  })
}

function fold(view: RunView, event: StreamedEvent): RunView {
  const next = { ...view, lastSeq: event.seq, nodes: { ...view.nodes } }
  const nodeId = typeof event.nodeId === 'string' ? event.nodeId : undefined
  if (event.type === 'run.start') next.status = 'running'
  if (event.type === 'node.start' && nodeId !== undefined) next.nodes[nodeId] = 'running'
  if (event.type === 'node.retry' && nodeId !== undefined) next.nodes[nodeId] = 'retrying'
  if (event.type === 'node.end' && nodeId !== undefined)
    next.nodes[nodeId] = String(event.status ?? 'completed')
  if (event.type === 'workflow.end' && Array.isArray(event.waiting))
    next.waiting = event.waiting as RunView['waiting']
  if (event.type === 'run.end') {
    next.status = String(event.status)
    if (next.status !== 'awaiting_input') next.waiting = []
    if (event.output !== undefined) next.output = event.output
    const error = event.error as { name?: string; message?: string } | undefined
    if (error !== undefined) next.error = `${error.name}: ${error.message}`
  }
  return next
}

export function WorkflowsScreen(props: { name: string | undefined; runId: string | undefined }) {
  const [workflows, setWorkflows] = useState<WorkflowEntry[] | null>(null)
  const [missing, setMissing] = useState(false)
  const [error, setError] = useState<string | null>(null)
  // Kept for the tab: starting a run changes the address, which draws the screen anew.
  const [input, setInputState] = useState(() => sessionStorage.getItem(INPUT_KEY) ?? '{}')
  const setInput = (value: string) => {
    sessionStorage.setItem(INPUT_KEY, value)
    setInputState(value)
  }
  const [run, setRun] = useState<RunView | null>(null)
  const [answers, setAnswers] = useState<Record<string, string>>({})

  useEffect(() => {
    api<unknown>('/api/workflows')
      .then((answer) => setWorkflows(entriesOf(answer)))
      .catch((failure: unknown) => {
        if (failure instanceof ApiError && failure.status === 404) setMissing(true)
        else setError(errorText(failure))
      })
  }, [])

  useEffect(() => {
    if (props.runId === undefined) return setRun(null)
    const controller = new AbortController()
    let view: RunView = { status: 'queued', lastSeq: 0, nodes: {}, waiting: [] }
    followRun({
      runId: props.runId,
      after: view.lastSeq,
      untilFinal: true,
      signal: controller.signal,
      onEvent(event) {
        view = fold(view, event)
        setRun(view)
      },
    }).catch((failure: unknown) => {
      if (!controller.signal.aborted) setError(errorText(failure))
    })
    return () => controller.abort()
  }, [props.runId])

  if (missing) {
    return html`<section aria-labelledby="wf-title"><h1 id="wf-title">Workflows</h1>
      <p>This server has no workflow routes (<code>GET /api/workflows</code> answered 404). Workflow runs still show in <a href=${hrefOf('runs')}>Runs</a>.</p></section>`
  }
  const selected =
    workflows?.find((entry) => entry.name === props.name) ??
    (props.name === undefined ? workflows?.[0] : undefined)

  const start = async (event: Event) => {
    event.preventDefault()
    if (selected === undefined) return
    setError(null)
    try {
      const value: unknown = JSON.parse(input)
      const { runId } = await api<{ runId: string }>(`/api/workflows/${segment(selected.name)}/runs`, {
        json: { input: value },
      })
      setRun(null)
      navigate(hrefOf('workflows', selected.name, { run: runId }))
    } catch (failure) {
      setError(
        failure instanceof SyntaxError ? `The input is not JSON: ${failure.message}` : errorText(failure),
      )
    }
  }
  const answer = async (nodeId: string) => {
    const text = answers[nodeId] ?? ''
    let value: unknown = text
    try {
      value = JSON.parse(text)
    } catch {
      // plain text is an answer too
    }
    try {
      await api(`/api/runs/${segment(props.runId ?? '')}/resume`, { json: { input: { [nodeId]: value } } })
      // The stream stays open through the pause: the resumed run's events arrive on it, possibly
      // before this answer does (the server answers once the input is stored), so only a run the
      // stream still shows as paused is marked as continuing.
      setRun((previous) =>
        previous === null || previous.status !== 'awaiting_input'
          ? previous
          : { ...previous, status: 'queued', waiting: [] },
      )
    } catch (failure) {
      setError(errorText(failure))
    }
  }

  return html`<section class="workflows" aria-labelledby="wf-title">
    <div class="toolbar">
      <h1 id="wf-title">Workflows</h1>
      <label for="workflow">Workflow</label>
      <select id="workflow" value=${selected?.name ?? ''} onChange=${(event: Event) => navigate(hrefOf('workflows', (event.target as HTMLSelectElement).value))}>
        ${(workflows ?? []).map((entry) => html`<option value=${entry.name}>${entry.name}</option>`)}
      </select>
    </div>
    ${error !== null && html`<p class="error" role="alert">${error}</p>`}
    ${workflows !== null && workflows.length === 0 && html`<p>No workflow is registered on this server.</p>`}
    ${
      selected !== undefined &&
      html`<div class="workflow-body">
      <div class="graph-box">
        ${selected.definition.description !== undefined && html`<p>${selected.definition.description}</p>`}
        <${WorkflowGraph} definition=${selected.definition} statuses=${run?.nodes ?? {}} />
      </div>
      <div class="workflow-side">
        <form onSubmit=${start}>
          <label for="wf-input">Input (a JSON object: the workflow's variables)</label>
          <textarea id="wf-input" rows="4" value=${input} onInput=${(event: Event) => setInput((event.target as HTMLTextAreaElement).value)}></textarea>
          <button type="submit">Start a run</button>
        </form>
        ${
          run !== null &&
          html`<div class="wf-run" role="status" aria-live="polite">
          <p><span class=${`badge status-${run.status}`}>${run.status}</span>
            ${props.runId !== undefined && html` <a href=${hrefOf('runs', props.runId)}>Inspect run</a>`}</p>
          ${run.error !== undefined && html`<p class="error">${run.error}</p>`}
          ${run.output !== undefined && html`<div class="label">Output</div><pre>${pretty(run.output)}</pre>`}
        </div>`
        }
        ${
          run?.status === 'awaiting_input' &&
          run.waiting.map(
            (entry) => html`<form class="human" key=${entry.nodeId} onSubmit=${(event: Event) => {
              event.preventDefault()
              void answer(entry.nodeId)
            }}>
            <p><strong>${entry.nodeId}</strong> asks: ${typeof entry.prompt === 'string' ? entry.prompt : pretty(entry.prompt)}</p>
            <label for=${`answer-${entry.nodeId}`}>Answer (text, or JSON)</label>
            <textarea id=${`answer-${entry.nodeId}`} rows="2" value=${answers[entry.nodeId] ?? ''}
              onInput=${(event: Event) => setAnswers({ ...answers, [entry.nodeId]: (event.target as HTMLTextAreaElement).value })}></textarea>
            <button type="submit">Send the answer</button>
          </form>`,
          )
        }
      </div>
    </div>`
    }
  </section>`
}
