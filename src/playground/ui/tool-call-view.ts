/**
 * One tool call: its name, its arguments (as streamed, then as validated), its result or error
 * and duration, and, while the run waits for a decision, the Approve and Reject buttons.
 *
 * @module
 */
import { useState } from 'preact/hooks'
import { formatDuration, html, pretty } from './html.js'

export interface ToolCallProps {
  toolName: string
  callId: string
  argumentsText: string
  arguments?: unknown
  output?: string | undefined
  isError?: boolean | undefined
  durationMs?: number | undefined
  state: string
  /** Given while the call waits for approval. */
  onDecide?: ((decision: { approve: boolean; message?: string }) => void) | undefined
  decided?: boolean | undefined
}

const STATE_LABEL: Record<string, string> = {
  streaming: 'writing arguments…',
  requested: 'requested',
  awaiting_approval: 'waiting for approval',
  running: 'running…',
  done: 'done',
}

export function ToolCallView(props: ToolCallProps) {
  const [reason, setReason] = useState('')
  const shownArguments = props.arguments !== undefined ? pretty(props.arguments) : pretty(props.argumentsText)
  const status = props.state === 'done' ? (props.isError === true ? 'error' : 'done') : props.state
  return html`
    <details class=${`tool tool-${status}`} open=${props.state !== 'done' || props.isError === true}>
      <summary>
        <span class="tool-name">${props.toolName}</span>
        <span class="badge">${STATE_LABEL[status] ?? status}</span>
        ${props.durationMs !== undefined && html`<span class="muted">${formatDuration(props.durationMs)}</span>`}
      </summary>
      <div class="tool-body">
        <div class="label">Arguments</div>
        <pre>${shownArguments}</pre>
        ${
          props.output !== undefined &&
          html`<div class="label">${props.isError === true ? 'Error' : 'Result'}</div>
          <pre class=${props.isError === true ? 'error' : ''}>${pretty(props.output)}</pre>`
        }
        ${
          props.onDecide !== undefined &&
          html`<div class="approval" role="group" aria-label=${`Decision on ${props.toolName}`}>
          <label for=${`reason-${props.callId}`}>Reason (optional, sent to the model on reject)</label>
          <input
            id=${`reason-${props.callId}`}
            value=${reason}
            onInput=${(event: Event) => setReason((event.target as HTMLInputElement).value)}
          />
          <div class="row">
            <button type="button" disabled=${props.decided} onClick=${() => props.onDecide?.({ approve: true })}>
              Approve
            </button>
            <button
              type="button"
              class="danger"
              disabled=${props.decided}
              onClick=${() => props.onDecide?.({ approve: false, ...(reason === '' ? {} : { message: reason }) })}
            >
              Reject
            </button>
          </div>
        </div>`
        }
      </div>
    </details>
  `
}
