/**
 * The run inspector's timeline: a run's events folded into steps (run stretches, turns, model
 * calls, tool calls, workflow nodes) with their start, end, duration and token usage, plus the
 * point events in between (compactions, checkpoints, approvals, handoffs, input requests).
 *
 * @module
 */
import type { StreamedEvent } from './sse-client.js'

export type TimelineKind =
  | 'run'
  | 'turn'
  | 'model'
  | 'tool'
  | 'node'
  | 'compaction'
  | 'budget'
  | 'checkpoint'
  | 'approval'
  | 'handoff'
  | 'input'
  | 'session'
  | 'step'

/** One row of the timeline. */
export interface TimelineRow {
  kind: TimelineKind
  /** The seq of the event that opened the row. */
  seq: number
  label: string
  /** 0 run, 1 turn or node, 2 what happens inside a turn. */
  depth: number
  turn?: number
  start: number
  /** Absent while the step runs (or when the run ended without closing it). */
  end?: number
  durationMs?: number
  usage?: { inputTokens: number; outputTokens: number; totalTokens: number }
  status?: string
  error?: string
  /** The events of the row, for the details. */
  events: StreamedEvent[]
}

const FINAL = new Set(['completed', 'failed', 'cancelled'])
const num = (value: unknown): number => (typeof value === 'number' ? value : 0)
const str = (value: unknown): string => (typeof value === 'string' ? value : '')

function errorText(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { name, message } = value as { name?: unknown; message?: unknown }
  return `${str(name) || 'Error'}: ${str(message)}`
}

/** Folds events (in seq order) into timeline rows, in the order their steps started. */
export function buildTimeline(events: readonly StreamedEvent[]): TimelineRow[] {
  const rows: TimelineRow[] = []
  const open = new Map<string, TimelineRow>()
  const start = (key: string, row: Omit<TimelineRow, 'events'>, event: StreamedEvent) => {
    const entry: TimelineRow = { ...row, events: [event] }
    rows.push(entry)
    open.set(key, entry)
    return entry
  }
  const finish = (key: string, event: StreamedEvent, patch: Partial<TimelineRow> = {}) => {
    const row = open.get(key)
    if (row === undefined) return undefined
    open.delete(key)
    row.events.push(event)
    row.end = event.time as number
    row.durationMs = num(patch.durationMs) || Math.max(0, row.end - row.start)
    Object.assign(row, patch, { durationMs: row.durationMs })
    return row
  }
  const point = (
    kind: TimelineKind,
    event: StreamedEvent,
    label: string,
    extra: Partial<TimelineRow> = {},
  ) => {
    rows.push({ kind, seq: event.seq, label, depth: 2, start: num(event.time), events: [event], ...extra })
  }

  for (const event of events) {
    const time = num(event.time)
    const turn = typeof event.turn === 'number' ? event.turn : undefined
    switch (event.type) {
      case 'run.start':
        start(
          'run',
          {
            kind: 'run',
            seq: event.seq,
            label: `${event.resumed === true ? 'resumed' : 'run'} ${str(event.agent)}`,
            depth: 0,
            start: time,
          },
          event,
        )
        break
      case 'run.end': {
        const usage = event.usage as TimelineRow['usage'] | undefined
        const error = errorText(event.error)
        finish('run', event, {
          status: str(event.status),
          ...(usage === undefined ? {} : { usage }),
          ...(error === undefined ? {} : { error }),
        })
        // A run that ended for good ends what it left open (a model call that failed, a
        // cancelled tool); a paused one continues them when it resumes.
        if (FINAL.has(str(event.status))) {
          for (const key of [...open.keys()]) finish(key, event, { status: 'interrupted' })
        }
        break
      }
      case 'turn.start':
        start(
          `turn:${turn}`,
          { kind: 'turn', seq: event.seq, label: `turn ${turn}`, depth: 1, turn, start: time },
          event,
        )
        break
      case 'turn.end':
        finish(`turn:${turn}`, event)
        break
      case 'model.start':
        start(
          `model:${turn}`,
          { kind: 'model', seq: event.seq, label: `model ${str(event.model)}`, depth: 2, turn, start: time },
          event,
        )
        break
      case 'model.end': {
        const usage = event.usage as TimelineRow['usage'] | undefined
        finish(`model:${turn}`, event, {
          status: str(event.finishReason),
          ...(usage === undefined ? {} : { usage }),
        })
        break
      }
      case 'tool.start':
        start(
          `tool:${str(event.callId)}`,
          { kind: 'tool', seq: event.seq, label: `tool ${str(event.toolName)}`, depth: 2, turn, start: time },
          event,
        )
        break
      case 'tool.end': {
        const key = `tool:${str(event.callId)}`
        // A rejected call ends without having started.
        if (!open.has(key)) {
          point('tool', event, `tool ${str(event.toolName)} (not run)`, { turn, status: 'rejected' })
          break
        }
        finish(key, event, {
          durationMs: num(event.durationMs),
          status: event.isError === true ? 'error' : 'ok',
          ...(event.isError === true ? { error: str(event.output) } : {}),
        })
        break
      }
      case 'node.start':
        start(
          `node:${str(event.nodeId)}`,
          { kind: 'node', seq: event.seq, label: `node ${str(event.nodeId)}`, depth: 1, start: time },
          event,
        )
        break
      case 'node.end': {
        const error = errorText(event.error)
        finish(`node:${str(event.nodeId)}`, event, {
          durationMs: num(event.durationMs),
          status: str(event.status),
          ...(error === undefined ? {} : { error }),
        })
        break
      }
      case 'context.compact':
        point(
          'compaction',
          event,
          `compaction ${num(event.tokensBefore)} → ${num(event.tokensAfter)} tokens`,
          {
            turn,
          },
        )
        break
      case 'context.budget':
        point('budget', event, `default context budget ${num(event.budgetTokens)} tokens`, { turn })
        break
      case 'checkpoint.save':
        point('checkpoint', event, `checkpoint r${num(event.revision)} (${str(event.reason)})`, { turn })
        break
      case 'checkpoint.load':
        point('checkpoint', event, `loaded r${num(event.revision)} (${str(event.status)})`, { turn })
        break
      case 'approval.request':
        point('approval', event, `${str(event.kind) || 'approval'} requested: ${str(event.toolName)}`, {
          turn,
          status: 'waiting',
        })
        break
      case 'agent.handoff':
        point('handoff', event, `handoff ${str(event.from)} → ${str(event.to)}`, { turn })
        break
      case 'input.request':
        point('input', event, 'input requested', { status: 'waiting' })
        break
      case 'session.load':
      case 'session.append':
        point('session', event, `${event.type} (${num(event.messages)} messages)`)
        break
      case 'step.end':
      case 'step.fail':
        point('step', event, `${event.type} ${str(event.step)}`, {
          ...(event.durationMs === undefined ? {} : { durationMs: num(event.durationMs) }),
        })
        break
      default:
        // deltas and nested events are shown in the event list, not as steps
        break
    }
  }
  return rows
}
