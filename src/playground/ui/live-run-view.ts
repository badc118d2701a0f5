/**
 * The run being streamed: the input, reasoning (collapsible), text as it arrives, tool calls
 * with their arguments and results, the calls waiting for approval, the status and the error.
 *
 * @module
 */
import { isSettled, type LiveRun, pendingApprovals } from '../live-run.js'
import { html } from './html.js'
import { hrefOf } from './router.js'
import { ToolCallView } from './tool-call-view.js'

export interface LiveRunViewProps {
  run: LiveRun
  reconnecting: boolean
  decided: ReadonlySet<string>
  onDecide(callId: string, decision: { approve: boolean; message?: string }): void
  onCancel(): void
}

export function LiveRunView(props: LiveRunViewProps) {
  const { run } = props
  const waiting = new Set(pendingApprovals(run).map((item) => item.callId))
  const running = !isSettled(run.status)
  return html`<section class="live" aria-label="Current run" data-status=${run.status}>
    <ol class="conversation">
      ${run.items.map((item, index) => {
        switch (item.type) {
          case 'user':
            return html`<li class="message user" key=${`u${index}`}><div class="role">user</div><p class="text">${item.text}</p></li>`
          case 'reasoning':
            return html`<li class="message assistant" key=${`r${index}`}>
              <details class="reasoning"><summary>Reasoning</summary><p>${item.text}</p></details>
            </li>`
          case 'text':
            return html`<li class="message assistant" key=${`t${index}`}>
              <div class="role">assistant</div><p class="text streamed">${item.text}</p>
            </li>`
          case 'tool':
            return html`<li class="message assistant" key=${item.callId}>
              <${ToolCallView}
                ...${item}
                decided=${props.decided.has(item.callId)}
                onDecide=${
                  waiting.has(item.callId) && run.status === 'awaiting_approval'
                    ? (decision: { approve: boolean; message?: string }) =>
                        props.onDecide(item.callId, decision)
                    : undefined
                }
              />
            </li>`
          default:
            return null
        }
      })}
    </ol>
    <div class="run-status" role="status" aria-live="polite">
      <span class=${`badge status-${run.status}`}>${run.status.replace('_', ' ')}</span>
      ${props.reconnecting && running && html`<span class="muted">reconnecting…</span>`}
      ${run.usage !== undefined && html`<span class="muted">${run.usage.inputTokens} in / ${run.usage.outputTokens} out tokens</span>`}
      <a href=${hrefOf('runs', run.runId)}>Inspect run</a>
      ${running && html`<button type="button" class="danger" onClick=${props.onCancel}>Cancel run</button>`}
    </div>
    ${run.error !== undefined && html`<p class="error" role="alert">${run.error}</p>`}
  </section>`
}
