/**
 * Reading an agent run's stored state back: the checkpoint is validated against the run-state
 * schema (loaded, with zod, on the first resume only) and states written by older versions are
 * upgraded. A checkpoint this version cannot read is a `ConfigError` and is left unchanged.
 *
 * @module
 */
import type { z } from 'zod'
import { ConfigError } from '../errors/errors.js'
import type { RunState, ToolCallRecord } from './run-state.js'
import type { RunStateV1 } from './run-state-schema.js'
import { pendingCalls } from './tool-phase.js'

/** Validates a stored checkpoint (the run-state schema and zod load on the first resume). */
export async function parseRunState(snapshot: unknown, runId: string): Promise<RunState> {
  const version = (snapshot as { version?: unknown } | null)?.version
  if (version !== 1) {
    throw new ConfigError({
      message: `resume: run "${runId}" was stored in format version ${String(version)}, which this agentloop cannot read (it reads versions 1 and 2). Upgrade agentloop.`,
    })
  }
  const { RunStateV1 } = await import('./run-state-schema.js')
  const parsed = RunStateV1.safeParse(snapshot)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ConfigError({
      message: `resume: the stored checkpoint of run "${runId}" is not a valid run state (${issue?.path.join('.') || 'root'}: ${issue?.message}). It was not changed.`,
    })
  }
  // no cast: the schema's type must stay assignable to the run state (the compiler checks the hand-written schema)
  const stored: StoredRunState = parsed.data
  return upgradeToolCalls(stored)
}

// Both ways, at compile time: a field of the run state missing from the hand-written schema would be
// stripped from every resumed run, so this fails to compile until the schema lists it.
type FieldsMissingFromSchema = Exclude<keyof RunState, keyof z.input<typeof RunStateV1>>
const schemaListsEveryField: [FieldsMissingFromSchema] extends [never] ? true : FieldsMissingFromSchema = true
void schemaListsEveryField

type StoredRunState = Omit<RunState, 'toolCalls'> & {
  toolCalls?: Record<
    string,
    Omit<ToolCallRecord, 'status'> & { status: ToolCallRecord['status'] | 'rejected' }
  >
}

/**
 * Older versions stored a rejection as status `rejected` and turned it into the call's result
 * later; now the rejection is the result (`done`) from the moment it is decided.
 */
function upgradeToolCalls(state: StoredRunState): RunState {
  const records = state.toolCalls
  if (records === undefined) return state as RunState
  const calls = new Map(pendingCalls(state.messages).map((call) => [call.callId, call]))
  for (const [callId, record] of Object.entries(records)) {
    if (record.status !== 'rejected') continue
    const toolName = calls.get(callId)?.name ?? 'unknown'
    const reason = record.message === undefined ? '' : ` ${record.message}`
    record.status = 'done'
    record.result = {
      role: 'tool',
      callId,
      toolName,
      content: `The user did not approve this call of tool "${toolName}"; it was not run.${reason}`,
      isError: true,
    }
  }
  return state as RunState
}
