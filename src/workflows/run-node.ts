import { ConfigError, describeError } from '../errors/errors.js'
import { requireJson } from '../storage/repositories/shared.js'
import { raceAbort, sleep, timeoutSignal } from '../util/abort.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import { type ConditionScope, evaluateCondition } from './expression/condition-evaluators.js'
import type { NameLookup } from './expression/evaluate-expression.js'
import { renderTemplate } from './expression/template.js'
import type { NodeCallContext, NodeStateView } from './node-handler.js'
import type { PlanNode } from './workflow-plan.js'
import type { WorkflowServices } from './workflow-services.js'
import { ExpressionError, NodeTimeoutError } from './workflow-errors.js'
import type { WorkflowEventData } from './workflow-event.js'

/** A human node's pause: the node waits for an answer. */
export interface NodeWait {
  wait: true
  prompt: JsonValue
}

/** What running a node's work needs from the executor (one object per run, shared by its nodes). */
export interface NodeWork<TContext> {
  runId: string
  workflow: string
  services: WorkflowServices<TContext>
  context: TContext
  /** Aborts when the run stops (cancelled, failed elsewhere, or an end node was reached). */
  signal: AbortSignal
  /** Names for templates and conditions. */
  lookup: NameLookup
  scope: ConditionScope
  state: NodeStateView
  /** A join's inputs: the arrived branches' outputs. */
  joinOutput: (joinId: string) => JsonValue
  runWorkflow(name: string, input: JsonValue, call: NodeCallContext<TContext>): Promise<JsonValue>
  emit(data: WorkflowEventData): Promise<void> | undefined
  forward(nodeId: string, event: { type: string; runId?: string }): Promise<void> | undefined
}

/**
 * Runs a node's work, retrying as the node allows, each attempt raced against the node's timeout
 * and the run's signal. Resolves with the output (validated JSON) and the attempts made; throws the
 * last error with `attempts` attached when no attempt succeeded.
 */
export async function runNodeWork<TContext>(
  work: NodeWork<TContext>,
  planNode: PlanNode<TContext>,
): Promise<{ output: JsonValue | NodeWait; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { output: await attemptNode(work, planNode, attempt), attempts: attempt }
    } catch (error) {
      if (work.signal.aborted) throw work.signal.reason
      const retryable =
        attempt <= planNode.retries && !(error instanceof ExpressionError) && !(error instanceof ConfigError)
      if (!retryable) throw Object.assign(new AttemptsFailed(error), { attempts: attempt })
      const delayMs =
        planNode.backoff === 'fixed'
          ? planNode.retryDelayMs
          : Math.min(planNode.retryDelayMs * 2 ** (attempt - 1), 30_000)
      await work.emit({
        type: 'node.retry',
        nodeId: planNode.node.id,
        attempt,
        delayMs,
        error: describeError(error),
      })
      await sleep(delayMs, work.signal)
    }
  }
}

/** The failure of a node's last attempt, with how many attempts were made. */
export class AttemptsFailed extends Error {
  attempts = 0
  constructor(readonly error: unknown) {
    super('node failed')
  }
}

async function attemptNode<TContext>(
  work: NodeWork<TContext>,
  planNode: PlanNode<TContext>,
  attempt: number,
): Promise<JsonValue | NodeWait> {
  const timeoutMs = planNode.timeoutMs
  const timeout =
    timeoutMs === undefined
      ? undefined
      : timeoutSignal(
          work.signal,
          timeoutMs,
          () => new NodeTimeoutError({ nodeId: planNode.node.id, timeoutMs }),
        )
  const signal = timeout?.signal ?? work.signal
  // Events of work that outlives its attempt (a timed-out agent still winding down) are dropped:
  // the stream reports the node once, between its node.start and node.end.
  let active = true
  try {
    if (signal.aborted) throw signal.reason
    const call: NodeCallContext<TContext> = {
      runId: work.runId,
      workflow: work.workflow,
      nodeId: planNode.node.id,
      attempt,
      signal,
      context: work.context,
      emit: (event) => (active ? work.forward(planNode.node.id, event) : undefined),
    }
    const pending = perform(work, planNode, call)
    const output =
      timeout === undefined && !isPromise(pending)
        ? pending
        : await raceAbort(Promise.resolve(pending), signal)
    if (isNodeWait(output)) return output
    const value = output === undefined ? null : output
    requireJson(value, `Node "${planNode.node.id}" returned output`)
    return value
  } finally {
    active = false
    timeout?.dispose()
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/** Whether a node's result is a human node's pause (not an output that happens to look like one). */
export function isNodeWait(value: unknown): value is NodeWait {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { wait?: unknown }).wait === true &&
    Object.getPrototypeOf(value) === WAIT_PROTOTYPE
  )
}

const WAIT_PROTOTYPE = {}

function render<TContext>(
  work: NodeWork<TContext>,
  planNode: PlanNode<TContext>,
  field: string,
  fallback: JsonValue,
): JsonValue {
  const template = planNode.templates[field]
  return template === undefined ? fallback : renderTemplate(template, work.lookup)
}

/** The work of each node kind. */
function perform<TContext>(
  work: NodeWork<TContext>,
  planNode: PlanNode<TContext>,
  call: NodeCallContext<TContext>,
): JsonValue | undefined | NodeWait | Promise<JsonValue | undefined | NodeWait> {
  const { node } = planNode
  const { services } = work
  switch (node.type) {
    case 'start':
    case 'parallel':
      return null
    case 'end':
      return render(work, planNode, 'output', work.state.variables as JsonObject)
    case 'condition':
      return evaluateCondition(planNode.condition as never, work.scope)
    case 'join':
      return work.joinOutput(node.id)
    case 'human':
      return Object.assign(Object.create(WAIT_PROTOTYPE) as NodeWait, {
        wait: true,
        prompt: render(work, planNode, 'prompt', null),
      })
    case 'agent':
      return (services.runAgent as NonNullable<typeof services.runAgent>)({
        ...call,
        name: node.agent,
        input: render(work, planNode, 'input', null),
      })
    case 'tool':
      return (services.callTool as NonNullable<typeof services.callTool>)({
        ...call,
        name: node.tool,
        arguments: render(work, planNode, 'arguments', {}),
      })
    case 'function':
      return (services.callFunction as NonNullable<typeof services.callFunction>)({
        ...call,
        name: node.function,
        input: render(work, planNode, 'input', null),
      })
    case 'workflow':
      return work.runWorkflow(node.workflow, render(work, planNode, 'input', {}), call)
    case 'handler': {
      const handler = planNode.handler
      if (handler === undefined)
        throw new ConfigError({ message: `Node "${node.id}": handler "${node.handler}" is not registered.` })
      return handler.execute({ ...node, config: render(work, planNode, 'config', null) }, work.state, call)
    }
    default: {
      const unknown: never = node
      throw new ConfigError({
        message: `Unknown node type ${JSON.stringify((unknown as { type: string }).type)}.`,
      })
    }
  }
}
