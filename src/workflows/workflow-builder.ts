import type { JsonSchema } from '../model/model-request.js'
import { resolveSchema, type SchemaInput } from '../tool/schema.js'
import { parseWorkflowDefinition } from './parse-workflow-definition.js'
import {
  type NodeSpec,
  WORKFLOW_FORMAT_VERSION,
  type WorkflowDefinition,
  type WorkflowEdge,
  type WorkflowNode,
} from './workflow-definition.js'

/**
 * Writes a workflow definition. Each call returns a new builder (the original is unchanged);
 * edges only accept ids of nodes already added, so a typo is a type error. `build()` validates the
 * whole graph and returns the same plain JSON `parseWorkflowDefinition` reads.
 */
export interface WorkflowBuilder<TIds extends string = never> {
  /** Adds a node. */
  node<TId extends string>(id: TId, spec: NodeSpec): WorkflowBuilder<TIds | TId>
  /** Adds an edge; `when` is a condition (see docs/workflows.md). */
  edge(from: TIds, to: TIds, options?: { when?: string }): WorkflowBuilder<TIds>
  describe(description: string): WorkflowBuilder<TIds>
  /** How often any node may run in one run (loops). Default 20. */
  maxIterations(count: number): WorkflowBuilder<TIds>
  /** The schema of the input (a zod schema or JSON Schema; stored as JSON Schema). */
  input(schema: SchemaInput): WorkflowBuilder<TIds>
  /** The schema of the output (a zod schema or JSON Schema; stored as JSON Schema). */
  output(schema: SchemaInput): WorkflowBuilder<TIds>
  /** Validates and returns the definition; throws `WorkflowDefinitionError` naming the node and field. */
  build(): WorkflowDefinition
}

/**
 * Starts a workflow definition.
 *
 * @example
 * const support = workflow('support')
 *   .node('start', { type: 'start' })
 *   .node('triage', { type: 'agent', agent: 'triage', input: '${message}' })
 *   .node('urgent', { type: 'condition', expression: 'triage.output.priority == "high"' })
 *   .node('review', { type: 'human', prompt: 'Check: ${triage.output.summary}' })
 *   .node('end', { type: 'end', output: '${triage.output}' })
 *   .edge('start', 'triage').edge('triage', 'urgent')
 *   .edge('urgent', 'review', { when: 'true' }).edge('urgent', 'end', { when: 'false' })
 *   .edge('review', 'end')
 *   .build()
 */
export function workflow(name: string): WorkflowBuilder {
  return builder({ version: WORKFLOW_FORMAT_VERSION, name, nodes: [], edges: [] })
}

function builder<TIds extends string>(draft: WorkflowDefinition): WorkflowBuilder<TIds> {
  const schemaOf = (schema: SchemaInput, field: 'input' | 'output'): JsonSchema =>
    resolveSchema(schema, {
      strict: false,
      objectOnly: field === 'input',
      field: `workflow "${draft.name}": ${field}`,
    }).jsonSchema
  return {
    node(id, spec) {
      const node = { id, ...spec } as WorkflowNode
      return builder({ ...draft, nodes: [...draft.nodes, node] })
    },
    edge(from, to, options) {
      const edge: WorkflowEdge = options?.when === undefined ? { from, to } : { from, to, when: options.when }
      return builder({ ...draft, edges: [...draft.edges, edge] })
    },
    describe(description) {
      return builder({ ...draft, description })
    },
    maxIterations(count) {
      return builder({ ...draft, maxIterations: count })
    },
    input(schema) {
      return builder({ ...draft, input: schemaOf(schema, 'input') })
    },
    output(schema) {
      return builder({ ...draft, output: schemaOf(schema, 'output') })
    },
    build() {
      return parseWorkflowDefinition(draft)
    },
  }
}
