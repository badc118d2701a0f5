/**
 * Chat with any agent the server serves, in a session: the stored conversation of the active
 * branch (edit, regenerate, fork), the branches, the run being streamed (approve, reject,
 * cancel), and the message box (Enter sends, Shift+Enter adds a line).
 *
 * @module
 */
import { useCallback, useEffect, useState } from 'preact/hooks'
import { isSettled, type LiveRun, pendingApprovals } from '../live-run.js'
import { api, errorText, segment } from './api.js'
import { type Branch, BranchView } from './branch-view.js'
import { Conversation, type SessionEntry } from './conversation.js'
import { html } from './html.js'
import { LiveRunView } from './live-run-view.js'
import { hrefOf, navigate } from './router.js'
import { useLiveRun } from './use-live-run.js'

interface AgentInfo {
  name: string
  description?: string
  model: string
}
interface Session {
  sessionId: string
  title?: string
  activeBranchId: string
}
type Decision = { callId: string; approve: boolean; message?: string }

export function ChatScreen(props: { params: URLSearchParams }) {
  const sessionId = props.params.get('session') ?? undefined
  const [agents, setAgents] = useState<AgentInfo[] | null>(null)
  const [agent, setAgent] = useState(props.params.get('agent') ?? '')
  const [session, setSession] = useState<Session | null>(null)
  const [entries, setEntries] = useState<SessionEntry[]>([])
  const [branches, setBranches] = useState<Branch[]>([])
  const [heads, setHeads] = useState<Record<string, string>>({})
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [decisions, setDecisions] = useState<Decision[]>([])
  const [lastRunId, setLastRunId] = useState<string | null>(null)

  const reload = useCallback(async () => {
    if (sessionId === undefined) {
      setSession(null)
      setEntries([])
      setBranches([])
      return
    }
    const path = `/api/sessions/${segment(sessionId)}`
    const [found, messages] = await Promise.all([
      api<{ session: Session; branches: Branch[] }>(path),
      api<{ messages: SessionEntry[] }>(`${path}/messages`),
    ])
    setSession(found.session)
    setBranches(found.branches)
    setEntries(messages.messages)
    // The last message of every other branch, for the branch view.
    const tails = await Promise.all(
      found.branches.map(async (branch) => {
        const list =
          branch.branchId === found.session.activeBranchId
            ? messages.messages
            : (
                await api<{ messages: SessionEntry[] }>(
                  `${path}/messages?branchId=${segment(branch.branchId)}`,
                )
              ).messages
        const last = list.at(-1)
        const content = last?.message.content
        const text =
          typeof content === 'string'
            ? content
            : (content ?? []).map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('')
        return [
          branch.branchId,
          last === undefined ? '(empty)' : `${last.message.role}: ${text.slice(0, 80)}`,
        ]
      }),
    )
    setHeads(Object.fromEntries(tails))
  }, [sessionId])

  const live = useLiveRun(sessionId, (run: LiveRun) => {
    setDecisions([])
    setLastRunId(run.runId)
    void reload()
      .then(() => {
        if (run.status === 'completed') live.clear()
      })
      .catch((failure: unknown) => setError(errorText(failure)))
  })

  useEffect(() => {
    api<{ agents: AgentInfo[] }>('/api/agents')
      .then((answer) => setAgents(answer.agents))
      .catch((failure: unknown) => setError(errorText(failure)))
  }, [])
  useEffect(() => {
    if (agent !== '' || agents === null) return
    // A session remembers no agent: take the one of its last run, else the first one.
    const fallback = agents[0]?.name ?? ''
    if (sessionId === undefined) return setAgent(fallback)
    api<{ runs: { agent: string }[] }>(`/api/runs?sessionId=${segment(sessionId)}&limit=1`)
      .then((answer) => setAgent(answer.runs[0]?.agent ?? fallback))
      .catch(() => setAgent(fallback))
  }, [agents, agent, sessionId])
  useEffect(() => {
    reload().catch((failure: unknown) => setError(errorText(failure)))
  }, [reload])

  const running = live.run !== null && !isSettled(live.run.status)

  /** Runs the agent on the session: `input` a message, or [] to answer the branch as it stands. */
  const submit = async (input: string | [], inSession: string) => {
    const { runId } = await api<{ runId: string }>('/api/runs', {
      json: { agent, input, sessionId: inSession },
    })
    setDecisions([])
    live.start(runId, inSession)
  }

  const act = async (work: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    try {
      await work()
    } catch (failure) {
      setError(errorText(failure))
    } finally {
      setBusy(false)
    }
  }

  const send = (event?: Event) => {
    event?.preventDefault()
    const message = text.trim()
    if (message === '' || agent === '' || running || busy) return
    void act(async () => {
      let id = sessionId
      if (id === undefined) {
        id = (await api<Session>('/api/sessions', { json: { title: message.slice(0, 80) } })).sessionId
      }
      await submit(message, id)
      setText('')
      if (id !== sessionId) navigate(hrefOf('chat', undefined, { agent, session: id }), { replace: true })
    })
  }

  const decide = (callId: string, decision: { approve: boolean; message?: string }) => {
    const run = live.run
    if (run === null) return
    const next = [...decisions.filter((entry) => entry.callId !== callId), { callId, ...decision }]
    setDecisions(next)
    const pending = pendingApprovals(run).map((item) => item.callId)
    if (!pending.every((id) => next.some((entry) => entry.callId === id))) return
    void act(async () => {
      await api(`/api/runs/${segment(run.runId)}/approvals`, { json: { approvals: next } })
      live.resume()
    })
  }

  const base = sessionId === undefined ? '' : `/api/sessions/${segment(sessionId)}`
  return html`<section class="chat" aria-labelledby="chat-title">
    <div class="toolbar">
      <h1 id="chat-title">${session?.title ?? 'New chat'}</h1>
      <label for="agent">Agent</label>
      <select id="agent" value=${agent} onChange=${(event: Event) => setAgent((event.target as HTMLSelectElement).value)}>
        ${(agents ?? []).map((entry) => html`<option value=${entry.name}>${entry.name} (${entry.model})</option>`)}
      </select>
      <a class="button quiet" href=${hrefOf('chat', undefined, { agent })}>New chat</a>
    </div>
    ${agents !== null && agents.length === 0 && html`<p>This server serves no agent yet: register one in code or POST /api/agents.</p>`}
    <div class="chat-body">
      <div class="chat-main">
        <${Conversation}
          entries=${entries}
          busy=${busy || running}
          onEdit=${(entry: SessionEntry, message: string) =>
            act(async () => {
              await api(`${base}/messages/${segment(entry.id)}/edit`, {
                json: { message: { role: 'user', content: message } },
              })
              await reload()
              await submit([], sessionId as string)
            })}
          onRegenerate=${(entry: SessionEntry) =>
            act(async () => {
              live.clear()
              await api(`${base}/messages/${segment(entry.id)}/regenerate`, { json: {} })
              await reload()
              await submit([], sessionId as string)
            })}
          onFork=${(entry: SessionEntry) =>
            act(async () => {
              const fork = await api<Session>(`${base}/fork`, { json: { messageId: entry.id } })
              navigate(hrefOf('chat', undefined, { agent, session: fork.sessionId }))
            })}
        />
        ${
          live.run !== null &&
          html`<${LiveRunView}
          run=${live.run}
          reconnecting=${live.reconnecting}
          decided=${new Set(decisions.map((entry) => entry.callId))}
          onDecide=${decide}
          onCancel=${() => act(async () => void (await api(`/api/runs/${segment(live.run?.runId ?? '')}/cancel`, { json: {} })))}
        />`
        }
        ${
          live.run === null &&
          lastRunId !== null &&
          html`<p class="muted"><a href=${hrefOf('runs', lastRunId)}>Inspect the last run</a></p>`
        }
        ${(error ?? live.error) !== null && html`<p class="error" role="alert">${error ?? live.error}</p>`}
        <form class="composer" onSubmit=${send}>
          <label for="message" class="visually-hidden">Message</label>
          <textarea
            id="message"
            rows="2"
            placeholder=${running ? 'The agent is answering…' : 'Message (Enter sends, Shift+Enter: new line)'}
            value=${text}
            onInput=${(event: Event) => setText((event.target as HTMLTextAreaElement).value)}
            onKeyDown=${(event: KeyboardEvent) => {
              if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) send(event)
            }}
          ></textarea>
          <button type="submit" disabled=${running || busy || agent === ''}>Send</button>
        </form>
      </div>
      ${
        session !== null &&
        branches.length > 0 &&
        html`<${BranchView}
        branches=${branches}
        activeBranchId=${session.activeBranchId}
        heads=${heads}
        busy=${busy || running}
        onSwitch=${(branchId: string) =>
          act(async () => {
            await api(`${base}/switch`, { json: { branchId } })
            await reload()
          })}
      />`
      }
    </div>
  </section>`
}
