import { ConfigError, describeError, RunCancelledError, ValidationFailedError } from '../errors/errors.js'
import { requireJson } from '../storage/repositories/shared.js'
import type { ResolvedSchema } from '../tool/schema.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import type { NodeCallContext } from './node-handler.js'
import { AttemptsFailed, isNodeWait, type NodeWait, type NodeWork, runNodeWork } from './run-node.js'
import type { NodeHookEventBase } from './workflow-hooks.js'
import { WorkflowNodeError, WorkflowStalledError } from './workflow-errors.js'
import { createWorkflowEmitter } from './workflow-emitter.js'
import { createWorkflowRouter } from './workflow-router.js'
import type { WorkflowEvent, WorkflowEventData } from './workflow-event.js'
import type { PlanNode, WorkflowPlan } from './workflow-plan.js'
import type { WorkflowServices } from './workflow-services.js'
import { type NodeRecord, snapshotOf, type WaitingInput, type WorkflowState } from './workflow-state.js'

/** Options of a workflow run. */
export interface WorkflowRunOptions<TContext = unknown> {
  /** Use this id instead of a generated one (a UUID). */
  runId?: string
  /** Cancels the run: running nodes' signals abort and the run rejects with `RunCancelledError`. */
  signal?: AbortSignal
  /** Your data for handlers, services and hooks. Never stored, never in events. */
  context?: TContext
  /** Receives every event; a returned promise is awaited (backpressure). Exceptions are ignored. */
  onEvent?: (event: WorkflowEvent) => void | Promise<void>
  /**
   * Saves the run's state: called when a non-idempotent node starts, after every node, and when
   * the run ends, one call at a time, before the events that report the change. The object is the
   * caller's to keep. A rejection fails the run.
   */
  checkpoint?: (state: WorkflowState) => void | Promise<void>
}

/** What a run resolves with: it completed, or it paused. Failures and cancellations reject. */
export interface WorkflowResult {
  runId: string
  workflow: string
  status: 'completed' | 'awaiting_input' | 'needs_review'
  /** The end node's output, when completed. */
  output?: JsonValue
  /** Human nodes waiting for an answer (`awaiting_input`). */
  waiting: WaitingInput[]
  /** Nodes interrupted by a crash that are not idempotent (`needs_review`). */
  interrupted: string[]
  /** The final state (as given to the last checkpoint). */
  state: WorkflowState
}

/** What the executor runs. */
export interface Execution<TContext> {
  plan: WorkflowPlan<TContext>
  services: WorkflowServices<TContext>
  state: WorkflowState
  resumed: boolean
  options: WorkflowRunOptions<TContext>
  outputSchema: ResolvedSchema<unknown> | undefined
  /** Answers for waiting human nodes and outputs given in review, by node id (resume only). */
  completions: Map<string, JsonValue>
  runWorkflow(name: string, input: JsonValue, call: NodeCallContext<TContext>): Promise<JsonValue>
}

const END_REACHED = new RunCancelledError({
  message: 'An end node was reached; the remaining branches stop.',
})

/**
 * Runs a workflow from its state: every ready node runs (branches concurrently), each completed
 * node's edges decide what runs next, until an end node completes, human nodes wait, or nothing
 * can run. See docs/workflows.md for the guarantees.
 */
export async function executeWorkflow<TContext>(execution: Execution<TContext>): Promise<WorkflowResult> {
  const { plan, state, options } = execution
  const name = plan.definition.name
  const started = Date.now()
  const stop = new AbortController()
  const userSignal = options.signal
  const onUserAbort = () => {
    if (!stop.signal.aborted) {
      stop.abort(
        new RunCancelledError({
          message: `Workflow "${name}" (run ${state.runId}) was cancelled by its AbortSignal.`,
          cause: userSignal?.reason,
        }),
      )
    }
  }
  if (userSignal?.aborted) onUserAbort()
  else userSignal?.addEventListener('abort', onUserAbort, { once: true })

  const events = createWorkflowEmitter({ state, onEvent: options.onEvent, checkpoint: options.checkpoint })
  const { emit, forward, saveThenTell } = events

  const router = createWorkflowRouter(plan, state)
  const running = new Map<string, Promise<void>>()
  let endReached: { nodeId: string; output: JsonValue } | undefined
  let failure: { error: unknown; nodeId?: string } | undefined
  const complete = (planNode: PlanNode<TContext>, output: JsonValue) => {
    if (router.complete(planNode, output)) endReached = { nodeId: planNode.node.id, output }
  }
  const hookEvent = (planNode: PlanNode<TContext>, iteration: number): NodeHookEventBase<TContext> => ({
    runId: state.runId,
    workflow: name,
    node: planNode.node,
    iteration,
    variables: state.variables,
    outputs: state.outputs,
    context: options.context as TContext,
  })

  // What every node's work shares in this run.
  const work: NodeWork<TContext> = {
    runId: state.runId,
    workflow: name,
    services: execution.services,
    context: options.context as TContext,
    signal: stop.signal,
    lookup: (name) => router.lookup(name, undefined),
    scope: router.scopeOf(undefined),
    state,
    joinOutput: (joinId) => joinOutput(state, joinId),
    runWorkflow: execution.runWorkflow,
    emit,
    forward,
  }

  const runNode = async (id: string): Promise<void> => {
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
      complete(planNode, output)
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
      failure = { error, nodeId: id }
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

  try {
    await emit({ type: 'workflow.start', workflow: name, resumed: execution.resumed })
    for (const [id, value] of execution.completions) {
      const planNode = plan.nodes.get(id) as PlanNode<TContext>
      const record = state.nodes[id] as NodeRecord
      record.status = 'completed'
      state.waiting = state.waiting.filter((waiting) => waiting.nodeId !== id)
      complete(planNode, value)
      await saveThenTell({
        type: 'node.end',
        nodeId: id,
        nodeType: planNode.node.type,
        status: 'completed',
        durationMs: 0,
        attempts: record.attempts,
      })
    }
    for (const [id, record] of Object.entries(state.nodes)) {
      // An end node completed but the run stopped before saving its end: it is complete.
      const planNode = plan.nodes.get(id)
      if (planNode?.node.type === 'end' && record.status === 'completed' && endReached === undefined) {
        endReached = { nodeId: id, output: (state.outputs[id] ?? null) as JsonValue }
      }
    }
    if (state.interrupted.length > 0 && endReached === undefined) {
      state.status = 'needs_review'
      await saveThenTell({
        type: 'workflow.end',
        workflow: name,
        status: 'needs_review',
        durationMs: Date.now() - started,
        interrupted: [...state.interrupted],
      })
      return resultOf(state, events.seq())
    }
    while (failure === undefined && endReached === undefined && !stop.signal.aborted) {
      for (let index = 0; index < state.ready.length; ) {
        const id = state.ready[index] as string
        if (running.has(id)) {
          index++
          continue
        }
        state.ready.splice(index, 1)
        running.set(
          id,
          runNode(id).then(() => void running.delete(id)),
        )
      }
      if (running.size === 0) break
      await (running.size === 1 ? running.values().next().value : Promise.race(running.values()))
    }
    if (!stop.signal.aborted && (failure !== undefined || endReached !== undefined))
      stop.abort(failure?.error ?? END_REACHED)
    if (running.size > 0) await Promise.all(running.values())

    if (endReached !== undefined && failure === undefined) {
      let output = endReached.output
      if (execution.outputSchema !== undefined) {
        const checked = await execution.outputSchema.validate(output)
        if (!checked.success) {
          throw new ValidationFailedError({
            message: `Workflow "${name}" (run ${state.runId}): the output of end node "${endReached.nodeId}" does not match the workflow's output schema: ${checked.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}. Fix the end node's output template or the schema.`,
            issues: checked.issues,
          })
        }
        output = checked.value as JsonValue
      }
      state.status = 'completed'
      state.output = output
      state.ready = []
      state.waiting = []
      await saveThenTell({
        type: 'workflow.end',
        workflow: name,
        status: 'completed',
        durationMs: Date.now() - started,
        output,
      })
      return resultOf(state, events.seq())
    }
    if (failure !== undefined) throw failure.error
    if (stop.signal.aborted) throw stop.signal.reason
    if (state.waiting.length > 0) {
      state.status = 'awaiting_input'
      await saveThenTell({
        type: 'workflow.end',
        workflow: name,
        status: 'awaiting_input',
        durationMs: Date.now() - started,
        waiting: [...state.waiting],
      })
      return resultOf(state, events.seq())
    }
    const waitingJoins = Object.entries(state.joins)
      .filter(([, join]) => join.phase === 'waiting')
      .map(([nodeId, join]) => ({
        nodeId,
        arrived: join.arrived.length,
        required: (plan.nodes.get(nodeId) as PlanNode<TContext>).required,
      }))
    throw new WorkflowStalledError({
      workflow: name,
      runId: state.runId,
      deadEnds: [...router.deadEnds],
      waitingJoins,
    })
  } catch (error) {
    const cancelled = error instanceof RunCancelledError && error !== END_REACHED
    state.status = cancelled ? 'cancelled' : 'failed'
    state.error = {
      ...describeError(error),
      ...(failure?.nodeId === undefined ? {} : { nodeId: failure.nodeId }),
    }
    const endEvent: WorkflowEventData = {
      type: 'workflow.end',
      workflow: name,
      status: state.status,
      durationMs: Date.now() - started,
      error: state.error,
    }
    try {
      await saveThenTell(endEvent)
    } catch {
      // The run already failed; its last good checkpoint still allows a resume.
      await emit(endEvent)
    }
    throw error
  } finally {
    userSignal?.removeEventListener('abort', onUserAbort)
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

function joinOutput(state: WorkflowState, joinId: string): JsonValue {
  const output: JsonObject = {}
  for (const from of state.joins[joinId]?.arrived ?? [])
    output[from] = Object.hasOwn(state.outputs, from) ? (state.outputs[from] as JsonValue) : null
  return output
}

function resultOf(state: WorkflowState, seq: number): WorkflowResult {
  const snapshot = snapshotOf(state, seq)
  return {
    runId: state.runId,
    workflow: state.workflow,
    status: state.status as WorkflowResult['status'],
    ...(state.output === undefined ? {} : { output: state.output }),
    waiting: [...state.waiting],
    interrupted: [...state.interrupted],
    state: snapshot,
  }
}
