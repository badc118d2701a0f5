import { describeError, RunCancelledError, ValidationFailedError } from '../errors/errors.js'
import type { ResolvedSchema } from '../tool/schema.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import { executeNode } from './execute-node.js'
import type { NodeCallContext } from './node-handler.js'
import { createWorkflowEmitter, type WorkflowPersist } from './workflow-emitter.js'
import { WorkflowStalledError } from './workflow-errors.js'
import type { WorkflowEvent, WorkflowEventData } from './workflow-event.js'
import type { PlanNode, WorkflowPlan } from './workflow-plan.js'
import { createWorkflowRouter } from './workflow-router.js'
import type { WorkflowRunScope } from './workflow-run-scope.js'
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
  /** Saves a state with the event reporting it in one write (runs of the Runtime); see the emitter. */
  persist?: WorkflowPersist | undefined
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

  const events = createWorkflowEmitter({
    state,
    onEvent: options.onEvent,
    checkpoint: options.checkpoint,
    persist: execution.persist,
  })
  const { emit, forward, saveThenTell } = events

  const router = createWorkflowRouter(plan, state)
  const running = new Map<string, Promise<void>>()
  const scope: WorkflowRunScope<TContext> = {
    name,
    plan,
    state,
    context: options.context as TContext,
    stop,
    events,
    router,
    work: {
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
    },
    endReached: undefined,
    failure: undefined,
    complete(planNode, output) {
      if (router.complete(planNode, output)) scope.endReached = { nodeId: planNode.node.id, output }
    },
  }

  try {
    await emit({ type: 'workflow.start', workflow: name, resumed: execution.resumed })
    for (const [id, value] of execution.completions) {
      const planNode = plan.nodes.get(id) as PlanNode<TContext>
      const record = state.nodes[id] as NodeRecord
      record.status = 'completed'
      state.waiting = state.waiting.filter((waiting) => waiting.nodeId !== id)
      scope.complete(planNode, value)
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
      if (planNode?.node.type === 'end' && record.status === 'completed' && scope.endReached === undefined) {
        scope.endReached = { nodeId: id, output: (state.outputs[id] ?? null) as JsonValue }
      }
    }
    if (state.interrupted.length > 0 && scope.endReached === undefined) {
      state.status = 'needs_review'
      await saveThenTell({
        type: 'workflow.end',
        workflow: name,
        status: 'needs_review',
        durationMs: Date.now() - started,
        interrupted: [...state.interrupted],
      })
      return resultOf(state, events.seq(), execution.persist === undefined)
    }
    while (scope.failure === undefined && scope.endReached === undefined && !stop.signal.aborted) {
      for (let index = 0; index < state.ready.length; ) {
        const id = state.ready[index] as string
        if (running.has(id)) {
          index++
          continue
        }
        state.ready.splice(index, 1)
        running.set(
          id,
          executeNode(scope, id).then(() => void running.delete(id)),
        )
      }
      if (running.size === 0) break
      await (running.size === 1 ? running.values().next().value : Promise.race(running.values()))
    }
    if (!stop.signal.aborted && (scope.failure !== undefined || scope.endReached !== undefined))
      stop.abort(scope.failure?.error ?? END_REACHED)
    if (running.size > 0) await Promise.all(running.values())

    if (scope.endReached !== undefined && scope.failure === undefined) {
      let output = scope.endReached.output
      if (execution.outputSchema !== undefined) {
        const checked = await execution.outputSchema.validate(output)
        if (!checked.success) {
          throw new ValidationFailedError({
            message: `Workflow "${name}" (run ${state.runId}): the output of end node "${scope.endReached.nodeId}" does not match the workflow's output schema: ${checked.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}. Fix the end node's output template or the schema.`,
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
      return resultOf(state, events.seq(), execution.persist === undefined)
    }
    if (scope.failure !== undefined) throw scope.failure.error
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
      return resultOf(state, events.seq(), execution.persist === undefined)
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
      ...(scope.failure?.nodeId === undefined ? {} : { nodeId: scope.failure.nodeId }),
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

function joinOutput(state: WorkflowState, joinId: string): JsonValue {
  const output: JsonObject = {}
  for (const from of state.joins[joinId]?.arrived ?? [])
    output[from] = Object.hasOwn(state.outputs, from) ? (state.outputs[from] as JsonValue) : null
  return output
}

/**
 * What the run resolves with; `copy`: its state as a snapshot the caller may keep (a run of the
 * Runtime stores its state itself and reads only the status, output and what waits).
 */
function resultOf(state: WorkflowState, seq: number, copy: boolean): WorkflowResult {
  const snapshot = copy ? snapshotOf(state, seq) : state
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
