import { AgentLoopError, ConfigError } from '../errors/errors.js'

/**
 * A workflow definition is invalid: a bad field, an edge to an unknown node, a node no path
 * reaches, a condition that does not parse, a handler nobody registered. `nodeId` and `field`
 * name the offending place (`field` is a path such as `nodes[2].agent` or `edges[0].when`).
 */
export class WorkflowDefinitionError extends ConfigError {
  readonly workflow: string | undefined
  readonly nodeId: string | undefined
  readonly field: string | undefined
  constructor(options: {
    message: string
    workflow?: string
    nodeId?: string
    field?: string
    cause?: unknown
  }) {
    super({ message: options.message, cause: options.cause })
    this.workflow = options.workflow
    this.nodeId = options.nodeId
    this.field = options.field
  }
}

/** A condition or a `${...}` template is not valid, or failed while being evaluated. */
export class ExpressionError extends AgentLoopError {
  /** The expression's text (shortened to 200 characters). */
  readonly expression: string
  constructor(options: { message: string; expression: string; cause?: unknown }) {
    super({ message: options.message, cause: options.cause })
    this.expression =
      options.expression.length > 200 ? `${options.expression.slice(0, 200)}…` : options.expression
  }
}

/**
 * A node of a workflow failed for good (after its retries, and no `onError` hook recovered it), or
 * a hook aborted it. `cause` holds the node's last error. The workflow's state is checkpointed as
 * `failed` first; resuming it runs this node again.
 */
export class WorkflowNodeError extends AgentLoopError {
  readonly workflow: string
  readonly runId: string
  readonly nodeId: string
  readonly attempts: number
  constructor(options: {
    workflow: string
    runId: string
    nodeId: string
    attempts: number
    cause: unknown
    reason?: string
  }) {
    const cause = options.cause instanceof Error ? options.cause.message : String(options.cause)
    const detail =
      options.reason ??
      `failed after ${options.attempts} attempt${options.attempts === 1 ? '' : 's'}: ${cause}`
    const sentence = /[.!?]$/.test(detail) ? detail : `${detail}.`
    super({
      message: `Node "${options.nodeId}" of workflow "${options.workflow}" (run ${options.runId}) ${sentence} Fix the cause, then resume the run from its last checkpoint: completed nodes are not run again.`,
      cause: options.cause,
    })
    this.workflow = options.workflow
    this.runId = options.runId
    this.nodeId = options.nodeId
    this.attempts = options.attempts
  }
}

/** An attempt of a node ran past the node's `timeoutMs`; its signal aborted with this error. */
export class NodeTimeoutError extends AgentLoopError {
  readonly nodeId: string
  readonly timeoutMs: number
  constructor(options: { nodeId: string; timeoutMs: number }) {
    super({
      message: `Node "${options.nodeId}" did not finish within its timeoutMs of ${options.timeoutMs} ms. Raise the node's timeoutMs, or make its work stop sooner (it receives an AbortSignal that aborts at the deadline).`,
    })
    this.nodeId = options.nodeId
    this.timeoutMs = options.timeoutMs
  }
}

/**
 * A workflow run could not go on and did not reach an end node: no edge matched after a node, or
 * a join waits for branches that will not come. Nothing is left running.
 */
export class WorkflowStalledError extends AgentLoopError {
  readonly workflow: string
  readonly runId: string
  /** Nodes after which no edge matched. */
  readonly deadEnds: string[]
  /** Joins still waiting, with how many branches arrived and how many they need. */
  readonly waitingJoins: { nodeId: string; arrived: number; required: number }[]
  constructor(options: {
    workflow: string
    runId: string
    deadEnds: string[]
    waitingJoins: { nodeId: string; arrived: number; required: number }[]
  }) {
    const parts: string[] = []
    if (options.deadEnds.length > 0) {
      parts.push(
        `no outgoing edge matched after node${options.deadEnds.length === 1 ? '' : 's'} ${options.deadEnds.map((id) => `"${id}"`).join(', ')}`,
      )
    }
    for (const join of options.waitingJoins) {
      parts.push(`join "${join.nodeId}" has ${join.arrived} of the ${join.required} branches it waits for`)
    }
    super({
      message: `Workflow "${options.workflow}" (run ${options.runId}) stopped before reaching an end node: ${parts.join('; ') || 'nothing was left to run'}. Add a default edge (one without "when") or lower the join's wait.`,
    })
    this.workflow = options.workflow
    this.runId = options.runId
    this.deadEnds = options.deadEnds
    this.waitingJoins = options.waitingJoins
  }
}
