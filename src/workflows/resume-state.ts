import { ConfigError } from '../errors/errors.js'
import { requireJson } from '../storage/repositories/shared.js'
import { StoredDataError } from '../storage/storage-errors.js'
import type { JsonValue } from '../util/json.js'
import type { WorkflowPlan } from './workflow-plan.js'
import { WORKFLOW_STATE_VERSION, type WorkflowState, WorkflowStateV1 } from './workflow-state.js'

/** What `resume` may be told about the nodes a saved state left unfinished. */
export interface ResumeDecisions {
  input?: JsonValue
  inputs?: Readonly<Record<string, JsonValue>>
  review?: Readonly<Record<string, 'rerun' | { output: JsonValue }>>
}

/** Validates a saved state and returns a copy the executor may change. */
export function readState(saved: unknown, workflow: string): WorkflowState {
  const version = (saved as { version?: unknown } | null)?.version
  const fail = (problem: string) =>
    new StoredDataError({
      message: `The saved state of workflow "${workflow}" is unreadable: ${problem}`,
      collection: 'workflow-state',
      key: String((saved as { runId?: unknown } | null)?.runId ?? ''),
    })
  if (typeof version === 'number' && version > WORKFLOW_STATE_VERSION) {
    throw fail(
      `it was written in format version ${version} by a newer agentloop; this one reads version ${WORKFLOW_STATE_VERSION}. Upgrade agentloop.`,
    )
  }
  const parsed = WorkflowStateV1.safeParse(saved)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw fail(
      `${issue === undefined || issue.path.length === 0 ? 'state' : `state.${issue.path.join('.')}`}: ${issue?.message ?? 'invalid'}.`,
    )
  }
  if (parsed.data.workflow !== workflow) {
    throw new ConfigError({
      message: `This state belongs to workflow "${parsed.data.workflow}", not "${workflow}"; resume it with that workflow.`,
    })
  }
  return structuredClone(parsed.data) as WorkflowState
}

/**
 * Decides what a resumed run does with each node the state left unfinished: a node that failed or
 * was interrupted runs again if idempotent (or the review says `'rerun'`), takes an output from
 * the review, or is listed as interrupted (`needs_review`); waiting human nodes take their answers.
 */
export function prepareResume<TContext>(
  state: WorkflowState,
  plan: WorkflowPlan<TContext>,
  options: ResumeDecisions,
  where: string,
): { completions: Map<string, JsonValue> } {
  const completions = new Map<string, JsonValue>()
  if (state.status === 'completed') return { completions }
  for (const id of Object.keys(state.nodes)) {
    if (!plan.nodes.has(id))
      throw new ConfigError({
        message: `${where}.resume: the state has node "${id}", which this definition does not have. Resume with the definition the run started with.`,
      })
  }
  const answers = new Map<string, JsonValue>(Object.entries(options.inputs ?? {}))
  if (options.input !== undefined) {
    if (state.waiting.length !== 1) {
      throw new ConfigError({
        message: `${where}.resume: input answers the one waiting human node, but ${state.waiting.length} wait (${state.waiting.map((waiting) => waiting.nodeId).join(', ') || 'none'}). Pass inputs: { [nodeId]: answer }.`,
      })
    }
    answers.set((state.waiting[0] as { nodeId: string }).nodeId, options.input)
  }
  for (const [id, answer] of answers) {
    if (!state.waiting.some((waiting) => waiting.nodeId === id)) {
      throw new ConfigError({
        message: `${where}.resume: node "${id}" is not waiting for input (waiting: ${state.waiting.map((waiting) => waiting.nodeId).join(', ') || 'none'}).`,
      })
    }
    requireJson(answer, `${where}.resume: the answer for node "${id}"`)
    completions.set(id, structuredClone(answer))
  }
  const review = options.review ?? {}
  for (const id of Object.keys(review)) {
    const status = state.nodes[id]?.status
    if (status !== 'running' && status !== 'cancelled') {
      throw new ConfigError({
        message: `${where}.resume: review names node "${id}", which was not interrupted (status ${status ?? 'never run'}).`,
      })
    }
  }
  state.interrupted = []
  const rerun: string[] = []
  for (const [id, record] of Object.entries(state.nodes)) {
    if (record.status === 'failed') rerun.push(id)
    if (record.status !== 'running' && record.status !== 'cancelled') continue
    const decision = review[id]
    if (decision !== undefined && decision !== 'rerun') {
      requireJson(decision.output, `${where}.resume: review["${id}"].output`)
      completions.set(id, structuredClone(decision.output))
    } else if (decision === 'rerun' || plan.nodes.get(id)?.idempotent === true) rerun.push(id)
    else state.interrupted.push(id)
  }
  // A node re-runs with a fresh iteration count for this pass, and before the nodes queued after it.
  for (const id of rerun) {
    const record = state.nodes[id]
    if (record !== undefined) record.runs = Math.max(0, record.runs - 1)
  }
  state.ready = [...rerun.filter((id) => !state.ready.includes(id)), ...state.ready]
  state.status = 'running'
  delete state.error
  return { completions }
}
