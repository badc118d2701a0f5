/**
 * Hooks intercept a workflow run at its nodes, in the style of the agent hooks: each gets one
 * event object and returns nothing (no change) or a change. A hook set applies to the node kinds
 * in its `nodeTypes` (default `'*'`: every kind). Hook sets run in the order given; each sees the
 * previous one's change.
 *
 * @module
 */
import type { JsonObject, JsonValue } from '../util/json.js'
import type { NodeType, WorkflowNode } from './workflow-definition.js'

type MaybePromise<T> = T | Promise<T>

/** The fields every workflow hook event has. */
export interface NodeHookEventBase<TContext> {
  runId: string
  workflow: string
  /** The node, as defined. */
  node: WorkflowNode
  /** 1 for the node's first run in this workflow run. */
  iteration: number
  /** The run's variables (read-only: return a change instead). */
  variables: Readonly<JsonObject>
  /** The latest output of each completed node, by id (read-only). */
  outputs: Readonly<Record<string, JsonValue>>
  /** The run context (hooks are your code: they see it; it is never stored). */
  context: TContext
}

export type BeforeNodeEvent<TContext> = NodeHookEventBase<TContext>
/** Return `{ variables }` to replace the run's variables before the node runs, or `{ abort: reason }` to fail the run. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook without a return statement returns void
export type BeforeNodeResult = { variables: JsonObject } | { abort: string } | undefined | void

export interface AfterNodeEvent<TContext> extends NodeHookEventBase<TContext> {
  output: JsonValue
}
/** Return `{ output }` to replace the node's output (validated as JSON). */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook without a return statement returns void
export type AfterNodeResult = { output: JsonValue } | undefined | void

export interface NodeErrorEvent<TContext> extends NodeHookEventBase<TContext> {
  /** The node's last error, after its retries. */
  error: unknown
  attempts: number
}
/** Return `{ output }` to recover: the node completes with this output. Return nothing to let the error stand. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook without a return statement returns void
export type NodeErrorResult = { output: JsonValue } | undefined | void

/** A set of workflow hooks. Every hook is optional. */
export interface WorkflowHooks<TContext = unknown> {
  /** The node kinds these hooks apply to: one, a list, or `'*'` (default) for all. */
  nodeTypes?: NodeType | readonly NodeType[] | '*'
  beforeNode?(event: BeforeNodeEvent<TContext>): MaybePromise<BeforeNodeResult>
  afterNode?(event: AfterNodeEvent<TContext>): MaybePromise<AfterNodeResult>
  onError?(event: NodeErrorEvent<TContext>): MaybePromise<NodeErrorResult>
}

/** The hooks that apply to one node kind, resolved once when the workflow is bound. */
export interface NodeHooks<TContext> {
  beforeNode: NonNullable<WorkflowHooks<TContext>['beforeNode']>[]
  afterNode: NonNullable<WorkflowHooks<TContext>['afterNode']>[]
  onError: NonNullable<WorkflowHooks<TContext>['onError']>[]
}

/** Splits hook sets by node kind. */
export function hooksByNodeType<TContext>(
  hooks: readonly WorkflowHooks<TContext>[],
): (type: NodeType) => NodeHooks<TContext> {
  const cache = new Map<NodeType, NodeHooks<TContext>>()
  return (type) => {
    let resolved = cache.get(type)
    if (resolved === undefined) {
      const applies = hooks.filter((set) => {
        const types = set.nodeTypes ?? '*'
        return types === '*' || types === type || (Array.isArray(types) && types.includes(type))
      })
      resolved = {
        beforeNode: applies.flatMap((set) =>
          set.beforeNode === undefined ? [] : [set.beforeNode.bind(set)],
        ),
        afterNode: applies.flatMap((set) => (set.afterNode === undefined ? [] : [set.afterNode.bind(set)])),
        onError: applies.flatMap((set) => (set.onError === undefined ? [] : [set.onError.bind(set)])),
      }
      cache.set(type, resolved)
    }
    return resolved
  }
}
