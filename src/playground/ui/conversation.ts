/**
 * The stored messages of a session's branch: user messages (edit, fork from here), answers with
 * their reasoning (collapsed) and tool calls paired with their results (regenerate, fork).
 *
 * @module
 */
import { useState } from 'preact/hooks'
import { html } from './html.js'
import { ToolCallView } from './tool-call-view.js'

type Part = { type: string; text?: string; callId?: string; name?: string; arguments?: string }

/** A message of a session, as `GET /api/sessions/{id}/messages` answers. */
export interface SessionEntry {
  id: string
  parentId: string | null
  createdAt: number
  message: {
    role: 'system' | 'user' | 'assistant' | 'tool'
    content: string | Part[]
    callId?: string
    toolName?: string
    isError?: boolean
  }
}

export interface ConversationProps {
  entries: SessionEntry[]
  busy: boolean
  onEdit(entry: SessionEntry, text: string): void
  onRegenerate(entry: SessionEntry): void
  onFork(entry: SessionEntry): void
}

function partsOf(content: string | Part[]): Part[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content
}

function textOf(content: string | Part[]): string {
  return partsOf(content)
    .map((part) => (part.type === 'text' ? (part.text ?? '') : ''))
    .join('')
}

export function Conversation(props: ConversationProps) {
  const [editing, setEditing] = useState<string | null>(null)
  const [draft, setDraft] = useState('')
  const results = new Map(
    props.entries
      .filter((entry) => entry.message.role === 'tool')
      .map((entry) => [entry.message.callId, entry.message]),
  )

  return html`<ol class="conversation stored" aria-label="Messages">
    ${props.entries
      .filter((entry) => entry.message.role !== 'tool')
      .map((entry) => {
        const { message } = entry
        const actions = html`<div class="actions">
          ${
            message.role === 'user' &&
            html`<button type="button" class="quiet" disabled=${props.busy} onClick=${() => {
              setEditing(entry.id)
              setDraft(textOf(message.content))
            }}>Edit</button>`
          }
          ${
            message.role === 'assistant' &&
            html`<button type="button" class="quiet" disabled=${props.busy} onClick=${() => props.onRegenerate(entry)}>
            Regenerate
          </button>`
          }
          <button type="button" class="quiet" disabled=${props.busy} onClick=${() => props.onFork(entry)}>
            Fork from here
          </button>
        </div>`
        if (editing === entry.id) {
          return html`<li class="message user" key=${entry.id}>
            <form onSubmit=${(event: Event) => {
              event.preventDefault()
              setEditing(null)
              props.onEdit(entry, draft)
            }}>
              <label for=${`edit-${entry.id}`}>Edit the message (a new branch keeps the old one)</label>
              <textarea id=${`edit-${entry.id}`} rows="3" value=${draft}
                onInput=${(event: Event) => setDraft((event.target as HTMLTextAreaElement).value)}></textarea>
              <div class="row">
                <button type="submit">Save and answer</button>
                <button type="button" class="quiet" onClick=${() => setEditing(null)}>Cancel</button>
              </div>
            </form>
          </li>`
        }
        return html`<li class=${`message ${message.role}`} key=${entry.id}>
          <div class="role">${message.role}</div>
          ${partsOf(message.content).map((part) => {
            if (part.type === 'reasoning')
              return html`<details class="reasoning"><summary>Reasoning</summary><p>${part.text}</p></details>`
            if (part.type === 'tool-call') {
              const result = results.get(part.callId)
              return html`<${ToolCallView}
                toolName=${part.name ?? ''}
                callId=${part.callId ?? ''}
                argumentsText=${part.arguments ?? ''}
                output=${result === undefined ? undefined : textOf(result.content)}
                isError=${result?.isError}
                state=${result === undefined ? 'requested' : 'done'}
              />`
            }
            if (part.type === 'text' && part.text !== '') return html`<p class="text">${part.text}</p>`
            return null
          })}
          ${actions}
        </li>`
      })}
  </ol>`
}
