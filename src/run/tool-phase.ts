import { ConfigError } from '../errors/errors.js'
import type { Message, ToolCallPart, ToolMessage } from '../messages/message.js'
import type { JsonValue } from '../util/json.js'
import type { ActiveRun } from './active-run.js'
import { executeToolCalls, type ToolCallSteps } from './execute-tools.js'
import { answerHandoffCalls, firstHandoff, type TakenHandoff } from './handoff-phase.js'
import { passOnToNestedRun, waitsForDecision } from './nested-decisions.js'
import type { Interruption } from './run-result.js'
import type { NestedWaiting, RunState, ToolCallRecord } from './run-state.js'
import { moveToolCall } from './run-transitions.js'

/** How the tool calls of a turn ended: all answered, or some waiting for a human. */
export type ToolPhaseOutcome =
  /** All answered; `handoff` is the handoff the turn took, if any. */
  | { kind: 'answered'; handoff?: TakenHandoff }
  | {
      kind: 'paused'
      status: 'awaiting_approval' | 'needs_review'
      interruptions: (Interruption & { kind: 'approval' | 'review' })[]
    }

/** A call's idempotency key: unique within its run (call ids are), the same on every resume. */
const keyOf = (state: { runId: string }, call: ToolCallPart) => `${state.runId}:${call.callId}`

/**
 * Runs the tool calls of the current turn. In a durable run each call's progress is recorded in
 * the state and checkpointed (started before it runs, done with its result), so a resumed run
 * reuses finished results, re-runs an interrupted call only when the tool is idempotent, and
 * otherwise asks for a review. Calls that need approval pause the run once the others are done.
 */
export async function runToolPhase(
  run: ActiveRun<unknown, unknown>,
  calls: ToolCallPart[],
): Promise<ToolPhaseOutcome> {
  const { state, checkpointer } = run
  if (checkpointer !== undefined) state.toolCalls ??= {}
  const records = checkpointer === undefined ? undefined : state.toolCalls
  const results = new Map<string, ToolMessage>()
  const waiting: (Interruption & { kind: 'approval' | 'review' })[] = []
  const toRun: ToolCallPart[] = []
  const handoff = firstHandoff(run, calls)
  const handoffCalls: ToolCallPart[] = []

  for (const call of calls) {
    const record = records?.[call.callId]
    if (record === undefined) {
      if (handoff !== undefined && run.agent.getHandoff(call.name) !== undefined) handoffCalls.push(call)
      else toRun.push(call)
      continue
    }
    switch (record.status) {
      case 'done':
        results.set(call.callId, record.result as ToolMessage)
        break
      case 'approved':
        toRun.push(call)
        break
      case 'started':
        // It started before the process stopped, and its result was not saved.
        if (run.agent.getTool(call.name)?.idempotent === true) toRun.push(call)
        else {
          moveToolCall(records as Record<string, ToolCallRecord>, call.callId, 'interrupt', {
            idempotencyKey: keyOf(state, call),
          })
          waiting.push({ ...interruption(call), kind: 'review' })
        }
        break
      case 'approval':
      case 'review':
        // Decisions were applied when the run was claimed: this one has none yet.
        if (record.nested !== undefined) {
          for (const entry of record.nested.waiting) waiting.push(nestedInterruption(entry))
        } else waiting.push({ ...interruption(call), kind: record.status })
        break
      default:
        record.status satisfies never
    }
  }

  const steps: ToolCallSteps = {
    gate: async (call, tool, args, context) => {
      if (records?.[call.callId]?.approved === true) return 'run'
      if (!(await tool.needsApproval(args, context))) return 'run'
      if (records === undefined) {
        throw new ConfigError({
          message: `Tool "${call.name}" needs approval, so the run must pause until a decision; that needs storage. Create the Runtime with a storage (createMemoryStorage() for one process, createSqliteStorage({ path }) to survive restarts) and run the agent on it.`,
        })
      }
      moveToolCall(records, call.callId, 'requestApproval', { idempotencyKey: keyOf(state, call) })
      waiting.push({ callId: call.callId, toolName: call.name, arguments: args, kind: 'approval' })
      return 'pause'
    },
  }
  if (records !== undefined && checkpointer !== undefined) {
    steps.onStart = async (call) => {
      moveToolCall(records, call.callId, 'start', { idempotencyKey: keyOf(state, call) })
      await checkpointer.commit(state, 'toolStart')
    }
    steps.onDone = async (call, message) => {
      moveToolCall(records, call.callId, 'finish', { idempotencyKey: keyOf(state, call), result: message })
      await checkpointer.commit(state, 'toolResult')
    }
    steps.onNestedPause = async (call, pause) => {
      moveToolCall(records, call.callId, 'awaitNested', {
        idempotencyKey: keyOf(state, call),
        nested: { runId: pause.runId, agent: pause.agent, waiting: pause.waiting },
      })
      for (const entry of pause.waiting) waiting.push(nestedInterruption(entry))
    }
  }
  if (handoff !== undefined && handoffCalls.length > 0) {
    for (const [callId, message] of await answerHandoffCalls(run, handoffCalls, handoff)) {
      results.set(callId, message)
    }
  }
  const executed = toRun.length === 0 ? [] : await executeToolCalls(run, toRun, steps)
  executed.forEach((message, index) => {
    if (message !== undefined) results.set((toRun[index] as ToolCallPart).callId, message)
  })

  if (waiting.length > 0) {
    state.status = waiting.some((entry) => entry.kind === 'review') ? 'needs_review' : 'awaiting_approval'
    for (const entry of waiting) {
      await run.emit({
        type: 'approval.request',
        turn: state.turn,
        callId: entry.callId,
        toolName: entry.toolName,
        arguments: entry.arguments as JsonValue,
        kind: entry.kind,
      })
    }
    return { kind: 'paused', status: state.status, interruptions: waiting }
  }

  for (const call of calls) {
    const message = results.get(call.callId) as ToolMessage
    state.messages.push(message)
    state.items.push({
      type: 'tool.result',
      callId: message.callId,
      name: message.toolName,
      output: message.content,
      isError: message.isError === true,
      turn: state.turn,
    })
  }
  state.usage.toolCalls += calls.length
  delete state.toolCalls
  return handoff === undefined ? { kind: 'answered' } : { kind: 'answered', handoff }
}

/** A nested run's waiting call, as this run's interruption. */
function nestedInterruption(entry: NestedWaiting): Interruption & { kind: 'approval' | 'review' } {
  return {
    callId: entry.callId,
    toolName: entry.toolName,
    arguments: entry.arguments,
    agent: entry.agent,
    runId: entry.runId,
    kind: entry.kind,
  }
}

/**
 * Applies a resume's decisions to the waiting calls (checked beforehand by `checkDecisions`):
 * an approval lets the call run, a rejection becomes its result at once. Called before the run is
 * claimed, so both are stored with the claim and a crash after it never asks again.
 */
export async function applyDecisions(run: ActiveRun<unknown, unknown>): Promise<void> {
  const { state } = run
  const records = state.toolCalls
  if (run.approvals === undefined || run.approvals.size === 0 || records === undefined) return
  const calls = new Map(pendingCalls(state.messages).map((call) => [call.callId, call]))
  for (const decision of run.approvals.values()) {
    const call = calls.get(decision.callId)
    if (call === undefined) {
      passOnToNestedRun(state, decision)
      continue
    }
    const idempotencyKey = `${state.runId}:${call.callId}`
    if (decision.approve) {
      moveToolCall(records, call.callId, 'approve', { idempotencyKey })
      continue
    }
    const reason = decision.message === undefined ? '' : ` ${decision.message}`
    const content = `The user did not approve this call of tool "${call.name}"; it was not run.${reason}`
    const result: ToolMessage = {
      role: 'tool',
      callId: call.callId,
      toolName: call.name,
      content,
      isError: true,
    }
    moveToolCall(records, call.callId, 'reject', {
      idempotencyKey,
      result,
      ...(decision.message === undefined ? {} : { message: decision.message }),
    })
    await run.emit({
      type: 'tool.start',
      turn: state.turn,
      callId: call.callId,
      toolName: call.name,
      arguments: interruption(call).arguments as JsonValue,
    })
    await run.emit({
      type: 'tool.end',
      turn: state.turn,
      callId: call.callId,
      toolName: call.name,
      output: content,
      isError: true,
      durationMs: 0,
    })
  }
}

/** The tool calls of the run's last assistant message that have no result yet. */
export function unansweredCalls(run: ActiveRun<unknown, unknown>): ToolCallPart[] {
  return pendingCalls(run.state.messages)
}

/** The tool calls of the last assistant message of `messages` that have no result yet. */
export function pendingCalls(messages: readonly Message[]): ToolCallPart[] {
  let index = messages.length - 1
  const answered = new Set<string>()
  while (index >= 0 && messages[index]?.role === 'tool') {
    answered.add((messages[index] as ToolMessage).callId)
    index--
  }
  const last = messages[index]
  if (last?.role !== 'assistant' || typeof last.content === 'string') return []
  return last.content.filter(
    (part): part is ToolCallPart => part.type === 'tool-call' && !answered.has(part.callId),
  )
}

export function interruption(call: ToolCallPart): Interruption {
  let args: unknown = call.arguments
  try {
    args = JSON.parse(call.arguments)
  } catch {
    // Keep the raw text: the model wrote invalid JSON.
  }
  return { callId: call.callId, toolName: call.name, arguments: args }
}

/**
 * Every decision given to `resume` must name a call that waits for one (approval, review, or a
 * call interrupted after it started), or a nested run's waiting call (`<call id>/<nested call id>`).
 * Checked before the run is claimed, so a mistyped `callId` is a `ConfigError` that leaves the
 * stored run as it was.
 */
export function checkDecisions(state: RunState, approvals: ReadonlyMap<string, unknown>): void {
  for (const callId of approvals.keys()) {
    if (waitsForDecision(state, callId)) continue
    const record = state.toolCalls?.[callId]
    const waiting = Object.entries(state.toolCalls ?? {})
      .filter(([, entry]) => entry.status === 'approval' || entry.status === 'review')
      .flatMap(([id, entry]) =>
        entry.nested === undefined ? [`"${id}"`] : entry.nested.waiting.map((nested) => `"${nested.callId}"`),
      )
    const why =
      record === undefined
        ? ''
        : record.nested !== undefined
          ? ' (it waits on the calls of its nested agent: decide those)'
          : ` (it is ${record.status})`
    throw new ConfigError({
      message: `resume: approvals name call "${callId}", which is not waiting for a decision in run "${state.runId}"${why}. Calls waiting: ${waiting.length === 0 ? 'none' : waiting.join(', ')}. Use the callIds from result.interruptions; the run was not changed.`,
    })
  }
}
