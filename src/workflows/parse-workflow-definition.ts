import type { JsonValue } from '../util/json.js'
import { BUILT_IN_EVALUATORS, compileCondition, conditionPrefix } from './expression/condition-evaluators.js'
import { compileTemplate } from './expression/template.js'
import { NODE_ID, NODE_TYPE_LIST, RESERVED_IDS, WorkflowDefinitionV1 } from './definition-schema.js'
import {
  WORKFLOW_FORMAT_VERSION,
  type WorkflowDefinition,
  type WorkflowEdge,
  type WorkflowNode,
} from './workflow-definition.js'
import { ExpressionError, WorkflowDefinitionError } from './workflow-errors.js'

/** The fields of each node kind that hold templates. */
export const TEMPLATE_FIELDS = {
  end: ['output'],
  agent: ['input'],
  tool: ['arguments'],
  function: ['input'],
  human: ['prompt'],
  workflow: ['input'],
  handler: ['config'],
} as const satisfies Partial<Record<WorkflowNode['type'], readonly string[]>>

/**
 * Validates a workflow definition (plain JSON, such as one read from a file, a store or a request)
 * and returns a frozen copy. Throws `WorkflowDefinitionError` naming the node and the field: a bad
 * field, a duplicate id, an edge to an unknown node, a node no path reaches or one with no path to
 * an end, a condition or template that does not parse. Conditions with a prefix other than the
 * built-in `regex:` and `jsonpath:` are checked when the workflow is bound to its evaluators.
 */
export function parseWorkflowDefinition(value: unknown): WorkflowDefinition {
  const version = (value as { version?: unknown } | null)?.version
  const workflowName =
    typeof (value as { name?: unknown } | null)?.name === 'string'
      ? (value as { name: string }).name
      : undefined
  const where = workflowName === undefined ? 'Workflow definition' : `Workflow "${workflowName}"`
  if (typeof version === 'number' && version > WORKFLOW_FORMAT_VERSION) {
    throw new WorkflowDefinitionError({
      message: `${where} is in format version ${version}, written by a newer agentloop; this one reads version ${WORKFLOW_FORMAT_VERSION}. Upgrade agentloop.`,
      workflow: workflowName,
      field: 'version',
    })
  }
  const parsed = WorkflowDefinitionV1.safeParse(value)
  if (!parsed.success) throw schemaError(value, parsed.error.issues, where, workflowName)
  const definition = structuredClone(parsed.data) as WorkflowDefinition
  checkGraph(definition, `Workflow "${definition.name}"`)
  const frozen = deepFreeze(definition)
  validated.add(frozen)
  return frozen
}

/** Definitions this module validated (frozen, so they cannot have changed since). */
const validated = new WeakSet<object>()

/** Whether a value is a definition returned by `parseWorkflowDefinition` or `build()`. */
export function isValidatedDefinition(value: unknown): value is WorkflowDefinition {
  return typeof value === 'object' && value !== null && validated.has(value)
}

function schemaError(
  value: unknown,
  issues: readonly { path: PropertyKey[]; message: string; code?: string }[],
  where: string,
  workflow: string | undefined,
): WorkflowDefinitionError {
  const described = issues.slice(0, 3).map((issue) => describeIssue(value, issue))
  const first = described[0] as { subject: string; message: string; nodeId?: string; field: string }
  const more = issues.length > 3 ? ` (${issues.length - 3} more)` : ''
  return new WorkflowDefinitionError({
    message: `${where}: ${described.map((issue) => `${issue.subject}: ${issue.message}`).join('; ')}.${more}`,
    workflow,
    nodeId: first.nodeId,
    field: first.field === '' ? undefined : first.field,
  })
}

function describeIssue(
  value: unknown,
  issue: { path: PropertyKey[]; message: string; code?: string; keys?: string[]; expected?: string },
): { subject: string; message: string; nodeId?: string; field: string } {
  const path = issue.path
  const field = fieldPath(path)
  let nodeId: string | undefined
  let subject = field === '' ? 'the definition' : field
  if (path[0] === 'nodes' && typeof path[1] === 'number') {
    const node = (value as { nodes: { id?: unknown }[] }).nodes[path[1]]
    if (typeof node?.id === 'string') {
      nodeId = node.id
      subject = `node "${node.id}" (${field})`
    }
  }
  let message = issue.message
  if (path.at(-1) === 'type' && path[0] === 'nodes') {
    message = `${issue.message}; use one of ${NODE_TYPE_LIST}`
  } else if (issue.code === 'unrecognized_keys' && issue.keys !== undefined) {
    message = `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}; check the spelling against the node kind's fields`
  } else if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    message = `is required (${issue.expected ?? 'a value'})`
  }
  return { subject, message, field, ...(nodeId === undefined ? {} : { nodeId }) }
}

function fieldPath(path: readonly PropertyKey[]): string {
  let text = ''
  for (const part of path)
    text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`
  return text
}

function checkGraph(definition: WorkflowDefinition, where: string): void {
  const fail = (message: string, nodeId?: string, field?: string): never => {
    throw new WorkflowDefinitionError({
      message: `${where}: ${message}`,
      workflow: definition.name,
      nodeId,
      field,
    })
  }
  const nodes = new Map<string, WorkflowNode>()
  for (const [index, node] of definition.nodes.entries()) {
    const field = `nodes[${index}].id`
    if (!NODE_ID.test(node.id)) {
      fail(
        `${field}: the node id ${JSON.stringify(node.id)} is not a name; use letters, digits and _ (not starting with a digit), at most 64 characters, so expressions can refer to it (triage.output).`,
        node.id,
        field,
      )
    }
    if (RESERVED_IDS.has(node.id))
      fail(`${field}: "${node.id}" is reserved in expressions; name the node differently.`, node.id, field)
    if (nodes.has(node.id))
      fail(`${field}: duplicate node id "${node.id}"; node ids must be unique.`, node.id, field)
    nodes.set(node.id, node)
  }
  const starts = definition.nodes.filter((node) => node.type === 'start')
  if (starts.length !== 1) {
    fail(
      starts.length === 0
        ? 'there is no start node; add one: .node("start", { type: "start" }).'
        : `there are ${starts.length} start nodes (${starts.map((node) => `"${node.id}"`).join(', ')}); keep one.`,
      starts[1]?.id,
    )
  }
  const start = starts[0] as WorkflowNode
  if (!definition.nodes.some((node) => node.type === 'end'))
    fail('there is no end node; add one: .node("end", { type: "end" }).')

  const outgoing = new Map<string, WorkflowEdge[]>()
  const incoming = new Map<string, WorkflowEdge[]>()
  for (const node of definition.nodes) {
    outgoing.set(node.id, [])
    incoming.set(node.id, [])
  }
  for (const [index, edge] of definition.edges.entries()) {
    for (const end of ['from', 'to'] as const) {
      if (!nodes.has(edge[end])) {
        fail(
          `edges[${index}].${end}: unknown node "${edge[end]}" (nodes: ${[...nodes.keys()].join(', ')}).`,
          edge[end],
          `edges[${index}].${end}`,
        )
      }
    }
    const from = nodes.get(edge.from) as WorkflowNode
    if (from.type === 'end')
      fail(
        `edges[${index}]: end node "${edge.from}" cannot have outgoing edges.`,
        edge.from,
        `edges[${index}].from`,
      )
    if (edge.to === start.id)
      fail(
        `edges[${index}]: start node "${start.id}" cannot have incoming edges.`,
        start.id,
        `edges[${index}].to`,
      )
    if (edge.when !== undefined) {
      if (from.type === 'parallel') {
        fail(
          `edges[${index}].when: edges leaving parallel node "${edge.from}" start every branch and take no condition; put a condition node inside the branch.`,
          edge.from,
          `edges[${index}].when`,
        )
      }
      checkCondition(edge.when, `edges[${index}].when`, edge.from, fail)
    }
    outgoing.get(edge.from)?.push(edge)
    incoming.get(edge.to)?.push(edge)
  }

  for (const [index, node] of definition.nodes.entries()) {
    const out = outgoing.get(node.id) as WorkflowEdge[]
    const subject = `node "${node.id}" (nodes[${index}])`
    if (node.type !== 'parallel' && out.filter((edge) => edge.when === undefined).length > 1) {
      fail(
        `${subject} has ${out.filter((edge) => edge.when === undefined).length} edges without a condition; a ${node.type} node takes one path, so give all but one default edge a "when" (or use a parallel node).`,
        node.id,
        'edges',
      )
    }
    if (node.type === 'condition')
      checkCondition(node.expression, `nodes[${index}].expression`, node.id, fail)
    if (node.type === 'join' && typeof node.wait === 'number') {
      const count = (incoming.get(node.id) as WorkflowEdge[]).length
      if (node.wait > count) {
        fail(
          `${subject}: wait is ${node.wait} but only ${count} edge${count === 1 ? '' : 's'} lead${count === 1 ? 's' : ''} to the join; lower wait or add branches.`,
          node.id,
          `nodes[${index}].wait`,
        )
      }
    }
    const fields: readonly string[] = (TEMPLATE_FIELDS as Record<string, readonly string[]>)[node.type] ?? []
    for (const field of fields) {
      const template = (node as unknown as Record<string, JsonValue | undefined>)[field]
      if (template === undefined) continue
      try {
        compileTemplate(template)
      } catch (error) {
        fail(
          `nodes[${index}].${field} of node "${node.id}": ${(error as Error).message}`,
          node.id,
          `nodes[${index}].${field}`,
        )
      }
    }
  }

  const reached = walk(start.id, (id) => (outgoing.get(id) as WorkflowEdge[]).map((edge) => edge.to))
  const unreachable = definition.nodes.filter((node) => !reached.has(node.id))
  const ends = definition.nodes.filter((node) => node.type === 'end').map((node) => node.id)
  const canFinish = new Set<string>()
  for (const end of ends)
    for (const id of walk(end, (id) => (incoming.get(id) as WorkflowEdge[]).map((edge) => edge.from)))
      canFinish.add(id)
  if (!canFinish.has(start.id)) {
    fail(
      `there is no path from start node "${start.id}" to an end node (${ends.map((id) => `"${id}"`).join(', ')}); add the missing edges.`,
      start.id,
      'edges',
    )
  }
  if (unreachable.length > 0) {
    const first = unreachable[0] as WorkflowNode
    fail(
      `node${unreachable.length === 1 ? '' : 's'} ${unreachable.map((node) => `"${node.id}"`).join(', ')} cannot be reached from start node "${start.id}"; add an edge to ${unreachable.length === 1 ? 'it' : 'them'} or remove ${unreachable.length === 1 ? 'it' : 'them'}.`,
      first.id,
      'edges',
    )
  }
  const stuck = definition.nodes.filter((node) => !canFinish.has(node.id))
  if (stuck.length > 0) {
    const first = stuck[0] as WorkflowNode
    fail(
      `node${stuck.length === 1 ? '' : 's'} ${stuck.map((node) => `"${node.id}"`).join(', ')} ha${stuck.length === 1 ? 's' : 've'} no path to an end node; a run would stop there. Add an edge towards an end node.`,
      first.id,
      'edges',
    )
  }
}

function checkCondition(
  source: string,
  field: string,
  nodeId: string,
  fail: (message: string, nodeId?: string, field?: string) => never,
): void {
  const prefix = conditionPrefix(source)
  // Other prefixes name evaluators registered at bind time; bindWorkflow checks them.
  if (prefix !== undefined && !BUILT_IN_EVALUATORS.has(prefix)) return
  try {
    compileCondition(source, BUILT_IN_EVALUATORS)
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error
    fail(`${field} (node "${nodeId}"): ${error.message}`, nodeId, field)
  }
}

function walk(from: string, next: (id: string) => string[]): Set<string> {
  const seen = new Set([from])
  const queue = [from]
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    for (const target of next(id)) {
      if (!seen.has(target)) {
        seen.add(target)
        queue.push(target)
      }
    }
  }
  return seen
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const item of Object.values(value)) deepFreeze(item)
  }
  return value
}
