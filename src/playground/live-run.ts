/**
 * What the chat shows of a run while it streams: the user's input, text and reasoning as they
 * arrive, tool calls with their arguments (streamed, then validated) and results, calls waiting
 * for approval, the status and the error. Plain JSON, so the playground keeps it in
 * sessionStorage with the last seq and continues after a reload with `Last-Event-ID`.
 *
 * @module
 */
import type { StreamedEvent } from './sse-client.js'

export type LiveItem =
  | { type: 'user'; text: string }
  | { type: 'text'; turn: number; text: string }
  | { type: 'reasoning'; turn: number; text: string }
  | {
      type: 'tool'
      turn: number
      callId: string
      toolName: string
      /** The arguments as the model writes them (deltas joined). */
      argumentsText: string
      /** The validated arguments the tool runs with. */
      arguments?: unknown
      output?: string
      isError?: boolean
      durationMs?: number
      state: 'streaming' | 'requested' | 'awaiting_approval' | 'running' | 'done'
    }

/** A run as the chat shows it. */
export interface LiveRun {
  runId: string
  status: string
  /** The last seq applied: where to resume. */
  lastSeq: number
  items: LiveItem[]
  error?: string
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number }
}

/** A run before its first event. */
export function emptyLiveRun(runId: string): LiveRun {
  return { runId, status: 'queued', lastSeq: 0, items: [] }
}

/** The calls the run waits on a decision for. */
export function pendingApprovals(run: LiveRun): Extract<LiveItem, { type: 'tool' }>[] {
  return run.items.filter(
    (item): item is Extract<LiveItem, { type: 'tool' }> =>
      item.type === 'tool' && item.state === 'awaiting_approval',
  )
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '')

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((part) => (typeof part === 'object' && part !== null && part.type === 'text' ? str(part.text) : ''))
    .join('')
}

/** The run after one more event (a new object; the items array is copied, changed items replaced). */
export function applyEvent(run: LiveRun, event: StreamedEvent): LiveRun {
  if (event.seq <= run.lastSeq) return run
  const next: LiveRun = { ...run, lastSeq: event.seq, items: [...run.items] }
  const items = next.items
  const turn = typeof event.turn === 'number' ? event.turn : 0
  const toolIndex = (callId: string) =>
    items.findIndex((item) => item.type === 'tool' && item.callId === callId)
  const updateTool = (
    callId: string,
    toolName: string,
    patch: Partial<Extract<LiveItem, { type: 'tool' }>>,
  ) => {
    const index = toolIndex(callId)
    if (index === -1) {
      items.push({ type: 'tool', turn, callId, toolName, argumentsText: '', state: 'requested', ...patch })
    } else {
      items[index] = { ...(items[index] as Extract<LiveItem, { type: 'tool' }>), ...patch }
    }
  }
  const appendText = (type: 'text' | 'reasoning', delta: string) => {
    const last = items.at(-1)
    if (last?.type === type && last.turn === turn)
      items[items.length - 1] = { ...last, text: last.text + delta }
    else items.push({ type, turn, text: delta })
  }

  switch (event.type) {
    case 'run.start': {
      next.status = 'running'
      delete next.error
      const input = Array.isArray(event.input) ? event.input : []
      for (const message of input as { role?: unknown; content?: unknown }[]) {
        if (message.role === 'user') items.push({ type: 'user', text: textOf(message.content) })
      }
      break
    }
    case 'text.delta':
      appendText('text', str(event.delta))
      break
    case 'reasoning.delta':
      appendText('reasoning', str(event.delta))
      break
    case 'tool.args.delta': {
      const index = toolIndex(str(event.callId))
      const previous = index === -1 ? '' : (items[index] as Extract<LiveItem, { type: 'tool' }>).argumentsText
      updateTool(str(event.callId), str(event.toolName), {
        argumentsText: previous + str(event.delta),
        state: 'streaming',
      })
      break
    }
    case 'model.end': {
      const calls = Array.isArray(event.toolCalls) ? event.toolCalls : []
      for (const call of calls as { callId?: unknown; toolName?: unknown; arguments?: unknown }[]) {
        updateTool(str(call.callId), str(call.toolName), {
          argumentsText: str(call.arguments),
          state: 'requested',
        })
      }
      break
    }
    case 'approval.request':
      updateTool(str(event.callId), str(event.toolName), {
        arguments: event.arguments,
        state: 'awaiting_approval',
      })
      break
    case 'tool.start':
      updateTool(str(event.callId), str(event.toolName), { arguments: event.arguments, state: 'running' })
      break
    case 'tool.end':
      updateTool(str(event.callId), str(event.toolName), {
        output: str(event.output),
        isError: event.isError === true,
        durationMs: typeof event.durationMs === 'number' ? event.durationMs : 0,
        state: 'done',
      })
      break
    case 'run.end': {
      next.status = str(event.status)
      const error = event.error as { name?: unknown; message?: unknown } | undefined
      if (error !== undefined) next.error = `${str(error.name)}: ${str(error.message)}`
      const usage = event.usage as LiveRun['usage'] | undefined
      if (usage !== undefined) next.usage = usage
      break
    }
    default:
      break
  }
  return next
}

/** True for a status after which nothing more happens without a decision or an answer. */
export function isSettled(status: string): boolean {
  return status !== 'queued' && status !== 'running'
}
