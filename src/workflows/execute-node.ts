import { ConfigError, describeError } from '../errors/errors.js'
import { requireJson } from '../storage/repositories/shared.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import { AttemptsFailed, isNodeWait, type NodeWait, runNodeWork } from './run-node.js'
import { WorkflowNodeError } from './workflow-errors.js'
import type { WorkflowEventData } from './workflow-event.js'
import type { NodeHookEventBase } from './workflow-hooks.js'
import type { PlanNode } from './workflow-plan.js'
import type { WorkflowRunScope } from './workflow-run-scope.js'
import type { NodeRecord } from './workflow-state.js'

/**
 * Runs one node of a workflow run: its start event (saved first when the node is not idempotent),
 * the beforeNode hooks, its work with retries, onError recovery, afterNode hooks, and the saved
 * `node.end`. A failure stops the run's other branches; a cancellation records the node as
 * cancelled. Never throws.
 */
export async function executeNode<TContext>(scope: WorkflowRunScope<TContext>, id: string): Promise<void> {
  const { plan, state, stop, work, name } = scope
  const { emit, saveThenTell } = scope.events
  const hookEvent = (planNode: PlanNode<TContext>, iteration: number): NodeHookEventBase<TContext> => ({
    runId: state.runId,
    workflow: name,
    node: planNode.node,
    iteration,
    variables: state.variables,
    outputs: state.outputs,
    context: scope.context,
  })
  const planNode = plan.nodes.get(id) as PlanNode<TContext>
  const { node } = planNode
  const runs = (state.nodes[id]?.runs ?? 0) + 1
  const started = Date.now()
  const record: NodeRecord = { status: 'running', runs, attempts: 0 }
  state.nodes[id] = record
  try {
    if (runs > planNode.maxIterations) {
      throw new NodeStop(
        `ran ${planNode.maxIterations} times, its maxIterations limit (a loop that does not end?). Raise maxIterations on the node or the workflow if the loop is meant to go on`,
        0,
      )
    }
    const startEvent: WorkflowEventData = {
      type: 'node.start',
      nodeId: id,
      nodeType: node.type,
      iteration: runs,
    }
    await (planNode.idempotent ? emit(startEvent) : saveThenTell(startEvent))
    for (const hook of planNode.hooks.beforeNode) {
      const change = await hook(hookEvent(planNode, runs))
      if (change === undefined || change === null) continue
      if ('abort' in change) throw new NodeStop(`was aborted by a beforeNode hook: ${change.abort}`, 0)
      if ('variables' in change) state.variables = checkedVariables(change.variables, id)
    }
    let output: JsonValue | NodeWait
    let recovered = false
    try {
      const done = await runNodeWork(work, planNode)
      output = done.output
      record.attempts = done.attempts
    } catch (error) {
      if (!(error instanceof AttemptsFailed)) throw error
      record.attempts = error.attempts
      let recovery: JsonValue | undefined
      for (const hook of planNode.hooks.onError) {
        const change = await hook({
          ...hookEvent(planNode, runs),
          error: error.error,
          attempts: error.attempts,
        })
        if (change !== undefined && change !== null && 'output' in change) {
          recovery = change.output ?? null
          break
        }
      }
      if (recovery === undefined) throw new NodeStop(undefined, error.attempts, error.error)
      requireJson(recovery, `The onError hook of node "${id}" returned output`)
      output = recovery
      recovered = true
    }
    if (isNodeWait(output)) {
      record.status = 'waiting'
      record.durationMs = Date.now() - started
      state.waiting.push({ nodeId: id, prompt: output.prompt })
      await saveThenTell({
        type: 'node.end',
        nodeId: id,
        nodeType: node.type,
        status: 'waiting',
        durationMs: record.durationMs,
        attempts: record.attempts,
        prompt: output.prompt,
      })
      return
    }
    for (const hook of planNode.hooks.afterNode) {
      const change = await hook({ ...hookEvent(planNode, runs), output })
      if (change !== undefined && change !== null && 'output' in change) {
        requireJson(change.output, `The afterNode hook of node "${id}" returned output`)
        output = change.output ?? null
      }
    }
    record.status = 'completed'
    record.durationMs = Date.now() - started
    scope.complete(planNode, output)
    await saveThenTell({
      type: 'node.end',
      nodeId: id,
      nodeType: node.type,
      status: 'completed',
      durationMs: record.durationMs,
      attempts: record.attempts,
      ...(recovered ? { recovered } : {}),
    })
  } catch (caught) {
    record.durationMs = Date.now() - started
    if (stop.signal.aborted) {
      record.status = 'cancelled'
      await emit({
        type: 'node.end',
        nodeId: id,
        nodeType: node.type,
        status: 'cancelled',
        durationMs: record.durationMs,
        attempts: record.attempts,
      })
      return
    }
    const error =
      caught instanceof NodeStop
        ? new WorkflowNodeError({
            workflow: name,
            runId: state.runId,
            nodeId: id,
            attempts: caught.attempts,
            cause: caught.cause,
            ...(caught.reason === undefined ? {} : { reason: caught.reason }),
          })
        : caught
    record.status = 'failed'
    record.error = describeError(
      caught instanceof NodeStop && caught.reason === undefined ? caught.cause : error,
    )
    scope.failure = { error, nodeId: id }
    stop.abort(error)
    await emit({
      type: 'node.end',
      nodeId: id,
      nodeType: node.type,
      status: 'failed',
      durationMs: record.durationMs,
      attempts: record.attempts,
      error: record.error,
    })
  }
}

/** A node stopped for good: `reason` explains it (a limit, a hook), or `cause` is its last error. */
class NodeStop extends Error {
  constructor(
    readonly reason: string | undefined,
    readonly attempts: number,
    override readonly cause?: unknown,
  ) {
    super(reason ?? 'node failed')
  }
}

function checkedVariables(value: unknown, nodeId: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError({
      message: `The beforeNode hook of node "${nodeId}" returned variables that are not an object; return { variables: { ... } }.`,
    })
  }
  requireJson(value, `The beforeNode hook of node "${nodeId}" returned variables`)
  return structuredClone(value) as JsonObject
}
