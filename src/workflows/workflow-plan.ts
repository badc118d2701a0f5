import type { JsonValue } from '../util/json.js'
import {
  BUILT_IN_EVALUATORS,
  type CompiledCondition,
  type ConditionEvaluator,
  compileCondition,
} from './expression/condition-evaluators.js'
import { type CompiledTemplate, compileTemplate } from './expression/template.js'
import type { NodeHandler } from './node-handler.js'
import { TEMPLATE_FIELDS } from './parse-workflow-definition.js'
import {
  DEFAULT_MAX_ITERATIONS,
  IDEMPOTENT_BY_DEFAULT,
  type WorkflowDefinition,
  type WorkflowNode,
} from './workflow-definition.js'
import { ExpressionError, WorkflowDefinitionError } from './workflow-errors.js'
import { hooksByNodeType, type NodeHooks, type WorkflowHooks } from './workflow-hooks.js'
import type { WorkflowServices } from './workflow-services.js'

/** An edge as the executor holds it. */
export interface PlanEdge {
  to: string
  when: CompiledCondition | undefined
}

/** A node as the executor holds it: compiled templates and conditions, resolved options. */
export interface PlanNode<TContext> {
  node: WorkflowNode
  /** Compiled template fields, by field name. */
  templates: Record<string, CompiledTemplate>
  /** A condition node's expression. */
  condition: CompiledCondition | undefined
  /** Outgoing edges: the ones with `when` in definition order, then the default one. */
  edges: PlanEdge[]
  /** How many edges lead here. */
  incoming: number
  /** A join's number of branches to wait for. */
  required: number
  idempotent: boolean
  maxIterations: number
  retries: number
  retryDelayMs: number
  backoff: 'fixed' | 'exponential'
  timeoutMs: number | undefined
  hooks: NodeHooks<TContext>
  handler: NodeHandler<TContext> | undefined
}

/** A compiled workflow. */
export interface WorkflowPlan<TContext> {
  definition: WorkflowDefinition
  nodes: Map<string, PlanNode<TContext>>
  startId: string
}

/** What a plan is compiled with. */
export interface PlanRegistries<TContext> {
  handlers: ReadonlyMap<string, NodeHandler<TContext>>
  evaluators: ReadonlyMap<string, ConditionEvaluator>
  services: WorkflowServices<TContext>
  workflowNames: ReadonlySet<string>
  hooks: readonly WorkflowHooks<TContext>[]
}

/**
 * Compiles a validated definition against its registries. Throws `WorkflowDefinitionError` naming
 * the node and field for a handler, evaluator, agent, tool, function or sub-workflow that is not
 * registered, or a service the node kind needs that was not given.
 */
export function compilePlan<TContext>(
  definition: WorkflowDefinition,
  registries: PlanRegistries<TContext>,
): WorkflowPlan<TContext> {
  const where = `Workflow "${definition.name}"`
  const fail = (message: string, nodeId: string, field: string, cause?: unknown): never => {
    throw new WorkflowDefinitionError({
      message: `${where}: ${message}`,
      workflow: definition.name,
      nodeId,
      field,
      cause,
    })
  }
  const evaluators = new Map([...BUILT_IN_EVALUATORS, ...registries.evaluators])
  const condition = (source: string, nodeId: string, field: string): CompiledCondition => {
    try {
      return compileCondition(source, evaluators)
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error
      return fail(`${field} (node "${nodeId}"): ${error.message}`, nodeId, field, error)
    }
  }
  const hooksOf = hooksByNodeType(registries.hooks)
  const nodes = new Map<string, PlanNode<TContext>>()
  const defaultMax = definition.maxIterations ?? DEFAULT_MAX_ITERATIONS
  for (const [index, node] of definition.nodes.entries()) {
    const templates: Record<string, CompiledTemplate> = {}
    const fields: readonly string[] = (TEMPLATE_FIELDS as Record<string, readonly string[]>)[node.type] ?? []
    for (const field of fields) {
      const value = (node as unknown as Record<string, JsonValue | undefined>)[field]
      if (value !== undefined) templates[field] = compileTemplate(value)
    }
    let handler: NodeHandler<TContext> | undefined
    const field = `nodes[${index}]`
    const requireName = (
      kind: string,
      name: string,
      names: readonly string[] | undefined,
      service: unknown,
      option: string,
    ) => {
      if (typeof service !== 'function') {
        fail(
          `node "${node.id}" is a${kind === 'agent' ? 'n' : ''} ${kind} node, but no services.${option} was given. Bind the workflow with { services: createWorkflowServices({ ${kind}s: [...] }) } or your own services.${option}.`,
          node.id,
          `${field}.${kind}`,
        )
      }
      if (names !== undefined && !names.includes(name)) {
        fail(
          `${field}.${kind === 'function' ? 'function' : kind}: node "${node.id}" uses ${kind} "${name}", which is not registered (known: ${names.join(', ') || 'none'}).`,
          node.id,
          `${field}.${kind}`,
        )
      }
    }
    switch (node.type) {
      case 'agent':
        requireName(
          'agent',
          node.agent,
          registries.services.agentNames,
          registries.services.runAgent,
          'runAgent',
        )
        break
      case 'tool':
        requireName(
          'tool',
          node.tool,
          registries.services.toolNames,
          registries.services.callTool,
          'callTool',
        )
        break
      case 'function':
        requireName(
          'function',
          node.function,
          registries.services.functionNames,
          registries.services.callFunction,
          'callFunction',
        )
        break
      case 'workflow':
        if (!registries.workflowNames.has(node.workflow)) {
          fail(
            `${field}.workflow: node "${node.id}" runs workflow "${node.workflow}", which is not among the bound workflows (${[...registries.workflowNames].join(', ') || 'none'}). Pass it in bindWorkflow(definition, { workflows: [...] }).`,
            node.id,
            `${field}.workflow`,
          )
        }
        break
      case 'handler':
        handler = registries.handlers.get(node.handler)
        if (handler === undefined) {
          fail(
            `${field}.handler: node "${node.id}" uses handler "${node.handler}", which is not registered (registered: ${[...registries.handlers.keys()].join(', ') || 'none'}). Pass it in bindWorkflow(definition, { handlers: [...] }).`,
            node.id,
            `${field}.handler`,
          )
        }
        break
      default:
        break
    }
    const handlerIdempotent =
      handler === undefined
        ? undefined
        : typeof handler.idempotent === 'function'
          ? handler.idempotent(node as never)
          : handler.idempotent
    nodes.set(node.id, {
      node,
      templates,
      condition:
        node.type === 'condition' ? condition(node.expression, node.id, `${field}.expression`) : undefined,
      edges: [],
      incoming: 0,
      required: 1,
      idempotent: node.idempotent ?? handlerIdempotent ?? IDEMPOTENT_BY_DEFAULT.has(node.type),
      maxIterations: node.maxIterations ?? defaultMax,
      retries: node.retries ?? 0,
      retryDelayMs: node.retryDelayMs ?? 1000,
      backoff: node.backoff ?? 'fixed',
      timeoutMs: node.timeoutMs,
      hooks: hooksOf(node.type),
      handler,
    })
  }
  const defaults = new Map<string, PlanEdge>()
  for (const [index, edge] of definition.edges.entries()) {
    const from = nodes.get(edge.from) as PlanNode<TContext>
    const to = nodes.get(edge.to) as PlanNode<TContext>
    to.incoming++
    const when = edge.when === undefined ? undefined : condition(edge.when, edge.from, `edges[${index}].when`)
    if (when === undefined && from.node.type !== 'parallel') defaults.set(edge.from, { to: edge.to, when })
    else from.edges.push({ to: edge.to, when })
  }
  for (const [id, edge] of defaults) nodes.get(id)?.edges.push(edge)
  for (const planNode of nodes.values()) {
    const { node } = planNode
    if (node.type === 'join') {
      planNode.required =
        node.wait === 'any' ? 1 : typeof node.wait === 'number' ? node.wait : planNode.incoming
    }
  }
  const start = definition.nodes.find((node) => node.type === 'start') as WorkflowNode
  return { definition, nodes, startId: start.id }
}
