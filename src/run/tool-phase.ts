import { ConfigError } from '../errors/errors.js'
import type { ToolCallPart, ToolMessage } from '../messages/message.js'
import type { JsonValue } from '../util/json.js'
import type { ActiveRun } from './active-run.js'
import { executeToolCalls, type ToolCallSteps } from './execute-tools.js'
import type { Interruption } from './run-result.js'
import type { ToolCallRecord } from './run-state.js'

/** How the tool calls of a turn ended: all answered, or some waiting for a human. */
export type ToolPhaseOutcome =
  | { kind: 'answered' }
  | { kind: 'paused'; status: 'awaiting_approval' | 'needs_review'; interruptions: Interruption[] }

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
  const keyOf = (call: ToolCallPart) => `${state.runId}:${call.callId}`

  checkDecisions(run, records)
  for (const call of calls) {
    const record = records?.[call.callId]
    if (record === undefined) {
      toRun.push(call)
      continue
    }
    if (record.status === 'done' && record.result !== undefined) {
      results.set(call.callId, record.result)
      continue
    }
    if (record.status === 'started') {
      // It started before the process stopped, and its result was not saved.
      if (run.agent.getTool(call.name)?.idempotent === true) toRun.push(call)
      else record.status = 'review'
    }
    if (record.status === 'approval' || record.status === 'review') {
      const decision = run.approvals?.get(call.callId)
      if (decision === undefined) {
        waiting.push({ ...interruption(call), kind: record.status })
        continue
      }
      record.status = decision.approve ? 'approved' : 'rejected'
      if (decision.message !== undefined) record.message = decision.message
    }
    if (record.status === 'approved') toRun.push(call)
    if (record.status === 'rejected') results.set(call.callId, await reject(run, call, record))
  }

  const steps: ToolCallSteps = {
    gate: async (call, tool, args, context) => {
      if (records?.[call.callId]?.status === 'approved') return 'run'
      if (!(await tool.needsApproval(args, context))) return 'run'
      if (records === undefined) {
        throw new ConfigError({
          message: `Tool "${call.name}" needs approval, so the run must pause until a decision; that needs storage. Create the Runtime with a storage (createMemoryStorage() for one process, createSqliteStorage({ path }) to survive restarts) and run the agent on it.`,
        })
      }
      records[call.callId] = { status: 'approval', idempotencyKey: keyOf(call) }
      waiting.push({ callId: call.callId, toolName: call.name, arguments: args, kind: 'approval' })
      return 'pause'
    },
  }
  if (records !== undefined && checkpointer !== undefined) {
    steps.onStart = async (call) => {
      records[call.callId] = { status: 'started', idempotencyKey: keyOf(call) }
      await checkpointer.save(state, 'tool.start', run.emit)
    }
    steps.onDone = async (call, message) => {
      records[call.callId] = { status: 'done', idempotencyKey: keyOf(call), result: message }
      await checkpointer.save(state, 'tool.result', run.emit)
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
    return {
      kind: 'paused',
      status: state.status,
      interruptions: waiting.map(({ kind: _kind, ...rest }) => rest),
    }
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
  return { kind: 'answered' }
}

/** The tool calls of the last assistant message that have no result yet. */
export function unansweredCalls(run: ActiveRun<unknown, unknown>): ToolCallPart[] {
  const { messages } = run.state
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

function interruption(call: ToolCallPart): Interruption {
  let args: unknown = call.arguments
  try {
    args = JSON.parse(call.arguments)
  } catch {
    // Keep the raw text: the model wrote invalid JSON.
  }
  return { callId: call.callId, toolName: call.name, arguments: args }
}

async function reject(
  run: ActiveRun<unknown, unknown>,
  call: ToolCallPart,
  record: ToolCallRecord,
): Promise<ToolMessage> {
  const reason = record.message === undefined ? '' : ` ${record.message}`
  const content = `The user did not approve this call of tool "${call.name}"; it was not run.${reason}`
  const message: ToolMessage = {
    role: 'tool',
    callId: call.callId,
    toolName: call.name,
    content,
    isError: true,
  }
  await run.emit({
    type: 'tool.start',
    turn: run.state.turn,
    callId: call.callId,
    toolName: call.name,
    arguments: interruption(call).arguments as JsonValue,
  })
  await run.emit({
    type: 'tool.end',
    turn: run.state.turn,
    callId: call.callId,
    toolName: call.name,
    output: content,
    isError: true,
    durationMs: 0,
  })
  record.status = 'done'
  record.result = message
  return message
}

/** Every decision given to `resume` must name a call that waits for one. */
function checkDecisions(
  run: ActiveRun<unknown, unknown>,
  records: Record<string, ToolCallRecord> | undefined,
): void {
  if (run.approvals === undefined) return
  for (const callId of run.approvals.keys()) {
    const status = records?.[callId]?.status
    if (status !== 'approval' && status !== 'review' && status !== 'started') {
      throw new ConfigError({
        message: `resume: approvals name call "${callId}", which is not waiting for a decision in run "${run.state.runId}"${status === undefined ? '' : ` (it is ${status})`}. Use the callIds from result.interruptions.`,
      })
    }
  }
}
