/**
 * Decisions on the calls of nested runs (agent tools): `<call id>/<nested call id>` names a call a
 * nested run waits on. The decision is stored with the agent tool's call, which then runs again
 * and passes it on to the nested run.
 *
 * @module
 */
import type { ApprovalDecision } from './active-run.js'
import type { NestedCallRecord, RunState, ToolCallRecord } from './run-state.js'
import { moveToolCall } from './run-transitions.js'

/**
 * A decision on a nested run's call (`<call id>/<nested call id>`): stored with the agent tool's
 * call, which then runs again and passes it on to the nested run.
 */
export function passOnToNestedRun(state: RunState, decision: ApprovalDecision): void {
  const records = state.toolCalls ?? {}
  const owner = nestedOwner(records, decision.callId)
  if (owner === undefined) return
  const [callId, record] = owner
  const nested = record.nested as NestedCallRecord
  const decisions = [...(nested.decisions ?? [])]
  decisions.push({
    callId: decision.callId.slice(callId.length + 1),
    approve: decision.approve,
    ...(decision.message === undefined ? {} : { message: decision.message }),
  })
  record.nested = { ...nested, decisions }
  if (record.status === 'approval')
    moveToolCall(records, callId, 'approve', { idempotencyKey: record.idempotencyKey })
}

/** The agent tool call (id and record) whose nested run waits on the call `callId` names. */
export function nestedOwner(
  records: Record<string, ToolCallRecord>,
  callId: string,
): [string, ToolCallRecord] | undefined {
  for (const [id, record] of Object.entries(records)) {
    if (record.nested?.waiting.some((entry) => entry.callId === callId)) return [id, record]
  }
  return undefined
}

/** Whether `callId` names a call of `state` (or of a nested run) that a decision can be given to. */
export function waitsForDecision(state: RunState, callId: string): boolean {
  const records = state.toolCalls ?? {}
  const record = records[callId]
  if (record === undefined) return nestedOwner(records, callId) !== undefined
  if (record.nested !== undefined) return false
  return record.status === 'approval' || record.status === 'review' || record.status === 'started'
}
