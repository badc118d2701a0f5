import type { JsonValue } from '../util/json.js'
import type { NodeWork } from './run-node.js'
import type { WorkflowEmitter } from './workflow-emitter.js'
import type { PlanNode, WorkflowPlan } from './workflow-plan.js'
import type { WorkflowRouter } from './workflow-router.js'
import type { WorkflowState } from './workflow-state.js'

/**
 * What the nodes of one workflow run share while it executes: the plan and state, the signal that
 * stops every branch, the event emitter, the router, and how the run is ending (an end node
 * reached, or a node's failure). Created by `executeWorkflow`, read and updated by `executeNode`.
 */
export interface WorkflowRunScope<TContext> {
  readonly name: string
  readonly plan: WorkflowPlan<TContext>
  readonly state: WorkflowState
  readonly context: TContext
  /** Aborted to stop every running node: cancellation, a failure, or an end node reached. */
  readonly stop: AbortController
  readonly events: WorkflowEmitter
  readonly router: WorkflowRouter<TContext>
  /** What every node's work shares in this run. */
  readonly work: NodeWork<TContext>
  /** Set when an end node completes. */
  endReached: { nodeId: string; output: JsonValue } | undefined
  /** Set when a node fails for good. */
  failure: { error: unknown; nodeId?: string } | undefined
  /** Records a node's output and routes its edges; notes an end node reached. */
  complete(planNode: PlanNode<TContext>, output: JsonValue): void
}
