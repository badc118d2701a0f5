import type { JsonObject, JsonValue } from '../util/json.js'
import { type ConditionScope, evaluateCondition } from './expression/condition-evaluators.js'
import { isTruthy, valuesEqual } from './expression/evaluate-expression.js'
import type { PlanNode, WorkflowPlan } from './workflow-plan.js'
import type { WorkflowState } from './workflow-state.js'

/** How a run resolves names and decides, after each node, what runs next. */
export interface WorkflowRouter<TContext> {
  /** The value of a name in expressions: `output` (the given current output), `vars`, a node id, a variable. */
  lookup(name: string, current: JsonValue | undefined): unknown
  /** The scope conditions see, with `output` bound to `current`. */
  scopeOf(current: JsonValue | undefined): ConditionScope
  /**
   * Records a node's output and queues what runs next (edges, joins); returns true for an end
   * node, whose completion completes the run.
   */
  complete(planNode: PlanNode<TContext>, output: JsonValue): boolean
  /** Nodes after which no edge matched. */
  readonly deadEnds: ReadonlySet<string>
}

/**
 * The routing rules of docs/workflows.md ("Edges and routing"): a parallel node starts every edge;
 * any other node takes the first edge whose condition holds, else its default edge; a condition
 * node's edges match by value; a join runs once its `wait` is met and absorbs later branches.
 */
export function createWorkflowRouter<TContext>(
  plan: WorkflowPlan<TContext>,
  state: WorkflowState,
): WorkflowRouter<TContext> {
  const lookup = (name: string, current: JsonValue | undefined): unknown => {
    if (name === 'output') return current ?? null
    if (name === 'vars') return state.variables
    if (plan.nodes.has(name)) {
      return {
        output: Object.hasOwn(state.outputs, name) ? state.outputs[name] : null,
        status: state.nodes[name]?.status ?? null,
      }
    }
    return Object.hasOwn(state.variables, name) ? state.variables[name] : undefined
  }
  const scopeOf = (current: JsonValue | undefined): ConditionScope => ({
    lookup: (name) => lookup(name, current),
    root: () => {
      const root: JsonObject = { ...state.variables, vars: state.variables }
      for (const id of plan.nodes.keys())
        root[id] = { output: Object.hasOwn(state.outputs, id) ? (state.outputs[id] as JsonValue) : null }
      if (current !== undefined) root.output = current
      return root
    },
  })

  const deadEnds = new Set<string>()

  const arrive = (target: string, from: string) => {
    const planNode = plan.nodes.get(target) as PlanNode<TContext>
    if (planNode.node.type !== 'join') {
      state.ready.push(target)
      return
    }
    let join = state.joins[target]
    if (join === undefined) {
      join = { arrived: [], phase: 'waiting' }
      state.joins[target] = join
    }
    join.arrived.push(from)
    if (join.phase === 'waiting' && join.arrived.length >= planNode.required) {
      join.phase = 'ready'
      state.ready.push(target)
    } else if (join.phase === 'fired' && join.arrived.length >= planNode.incoming) delete state.joins[target]
  }
  const route = (planNode: PlanNode<TContext>, output: JsonValue) => {
    const { node } = planNode
    let taken = 0
    let scope: ConditionScope | undefined
    for (const edge of planNode.edges) {
      let take = edge.when === undefined
      if (!take && edge.when !== undefined) {
        scope ??= scopeOf(output)
        const value = evaluateCondition(edge.when, scope)
        take =
          node.type === 'condition' && edge.when.kind === 'expression'
            ? valuesEqual(value, output)
            : isTruthy(value)
      }
      if (take) {
        arrive(edge.to, node.id)
        taken++
        if (node.type !== 'parallel') break
      }
    }
    if (taken === 0) deadEnds.add(node.id)
  }
  const complete = (planNode: PlanNode<TContext>, output: JsonValue): boolean => {
    const id = planNode.node.id
    state.outputs[id] = output
    if (planNode.node.type === 'join') {
      const join = state.joins[id]
      if (join !== undefined) {
        join.phase = 'fired'
        if (join.arrived.length >= planNode.incoming) delete state.joins[id]
      }
    }
    if (planNode.node.type === 'end') return true
    route(planNode, output)
    return false
  }
  return { lookup, scopeOf, complete, deadEnds }
}
