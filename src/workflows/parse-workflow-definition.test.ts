import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { bindWorkflow } from './bind-workflow.js'
import { parseWorkflowDefinition } from './parse-workflow-definition.js'
import { workflow } from './workflow-builder.js'
import type { WorkflowDefinition } from './workflow-definition.js'
import { WorkflowDefinitionError } from './workflow-errors.js'

const base = () =>
  workflow('review')
    .node('start', { type: 'start' })
    .node('check', { type: 'condition', expression: 'score > 0.5' })
    .node('approve', { type: 'handler', handler: 'noop', config: { score: '${score}' } })
    .node('end', { type: 'end' })
    .edge('start', 'check')
    .edge('check', 'approve', { when: 'true' })
    .edge('check', 'end', { when: 'false' })
    .edge('approve', 'end')

/** The error a definition fails with. */
function errorOf(run: () => unknown): WorkflowDefinitionError {
  try {
    run()
  } catch (error) {
    if (error instanceof WorkflowDefinitionError) return error
    throw error
  }
  throw new Error('expected a WorkflowDefinitionError')
}

function edit(
  change: (
    definition: { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] } & Record<
      string,
      unknown
    >,
  ) => void,
): unknown {
  const definition = structuredClone(base().build()) as unknown as Parameters<typeof change>[0]
  change(definition)
  return definition
}

describe('workflow definitions', () => {
  it('are plain JSON: the builder writes what parseWorkflowDefinition reads, frozen', () => {
    const definition = base()
      .describe('Approve good scores')
      .maxIterations(5)
      .input(z.object({ score: z.number() }))
      .build()
    expect(definition).toEqual(JSON.parse(JSON.stringify(definition)))
    expect(definition.version).toBe(1)
    expect(definition.nodes[1]).toEqual({ id: 'check', type: 'condition', expression: 'score > 0.5' })
    expect(definition.edges[1]).toEqual({ from: 'check', to: 'approve', when: 'true' })
    expect(definition.input).toMatchObject({ type: 'object', properties: { score: { type: 'number' } } })
    expect(Object.isFrozen(definition.nodes[0])).toBe(true)
    expect(parseWorkflowDefinition(JSON.parse(JSON.stringify(definition)))).toEqual(definition)
  })

  it('reject each problem naming the node and the field', () => {
    const cases: [unknown, { nodeId?: string; field?: string; message: RegExp }][] = [
      [
        edit((d) => d.edges.push({ from: 'approve', to: 'ghost' })),
        { nodeId: 'ghost', field: 'edges[4].to', message: /edges\[4\]\.to: unknown node "ghost"/ },
      ],
      [
        edit((d) => d.nodes.push({ id: 'check', type: 'start' })),
        { nodeId: 'check', field: 'nodes[4].id', message: /duplicate node id "check"/ },
      ],
      [
        edit((d) => d.nodes.push({ id: 'lonely', type: 'parallel' })),
        { nodeId: 'lonely', message: /"lonely" cannot be reached from start node "start"/ },
      ],
      [
        edit((d) => {
          d.edges = d.edges.filter((edge) => edge.to !== 'end')
          d.edges.push({ from: 'approve', to: 'check' })
        }),
        { nodeId: 'start', message: /no path from start node "start" to an end node/ },
      ],
      [
        edit((d) => {
          d.nodes.push({ id: 'loop', type: 'handler', handler: 'noop' })
          d.edges.push(
            { from: 'check', to: 'loop', when: '"maybe"' },
            { from: 'loop', to: 'loop', when: 'true' },
          )
        }),
        { nodeId: 'loop', message: /"loop" has no path to an end node/ },
      ],
      [
        edit((d) => (d.nodes[1] = { id: 'check', type: 'condition', expression: 'score >' })),
        {
          nodeId: 'check',
          field: 'nodes[1].expression',
          message: /nodes\[1\]\.expression \(node "check"\): The expression does not parse/,
        },
      ],
      [
        edit((d) => (d.edges[1] = { from: 'check', to: 'approve', when: 'regex:score,(a+)+' })),
        { nodeId: 'check', field: 'edges[1].when', message: /catastrophic/ },
      ],
      [
        edit((d) => (d.nodes[2] = { id: 'approve', type: 'handler', handler: 'noop', config: '${score' })),
        { nodeId: 'approve', field: 'nodes[2].config', message: /no closing/ },
      ],
      [
        edit((d) => (d.nodes[2] = { id: 'approve', type: 'robot' })),
        { nodeId: 'approve', field: 'nodes[2].type', message: /use one of start, end, agent/ },
      ],
      [
        edit((d) => (d.nodes[2] = { id: 'approve', type: 'agent', input: 'x', agnet: 'a' })),
        {
          nodeId: 'approve',
          field: 'nodes[2].agent',
          message:
            /node "approve" \(nodes\[2\]\.agent\): is required \(string\); node "approve" \(nodes\[2\]\): unknown field "agnet"/,
        },
      ],
      [
        edit((d) => (d.nodes[2] = { id: 'approve', type: 'handler', handler: 'noop', retries: -1 })),
        { nodeId: 'approve', field: 'nodes[2].retries', message: /nodes\[2\]\.retries/ },
      ],
      [
        edit((d) => (d.nodes[2] = { id: 'output', type: 'handler', handler: 'noop' })),
        { nodeId: 'output', message: /"output" is reserved/ },
      ],
      [
        edit((d) => (d.nodes[2] = { id: 'my-node', type: 'handler', handler: 'noop' })),
        { nodeId: 'my-node', message: /is not a name/ },
      ],
      [
        edit((d) => d.edges.push({ from: 'approve', to: 'check' })),
        { nodeId: 'approve', message: /2 edges without a condition/ },
      ],
      [
        edit((d) => d.edges.push({ from: 'end', to: 'check' })),
        { nodeId: 'end', message: /end node "end" cannot have outgoing edges/ },
      ],
      [
        edit((d) => d.edges.push({ from: 'approve', to: 'start', when: 'true' })),
        { nodeId: 'start', message: /cannot have incoming edges/ },
      ],
      [edit((d) => d.nodes.splice(0, 1)), { message: /there is no start node/ }],
      [
        edit((d) => (d.version = 2)),
        { field: 'version', message: /format version 2, written by a newer agentloop/ },
      ],
    ]
    for (const [definition, expected] of cases) {
      const error = errorOf(() => parseWorkflowDefinition(definition))
      expect(error.message, expected.message.source).toMatch(expected.message)
      expect(error.message).toMatch(/^Workflow "review"/)
      if (expected.nodeId !== undefined) expect(error.nodeId, error.message).toBe(expected.nodeId)
      if (expected.field !== undefined) expect(error.field, error.message).toBe(expected.field)
    }
  })

  it('check joins and parallel nodes', () => {
    const fork = () =>
      workflow('fork')
        .node('start', { type: 'start' })
        .node('split', { type: 'parallel' })
        .node('a', { type: 'handler', handler: 'noop' })
        .node('b', { type: 'handler', handler: 'noop' })
        .node('join', { type: 'join', wait: 3 })
        .node('end', { type: 'end' })
        .edge('start', 'split')
        .edge('split', 'a')
        .edge('a', 'join')
        .edge('b', 'join')
        .edge('join', 'end')
    expect(errorOf(() => fork().edge('split', 'b').build()).message).toMatch(
      /node "join" \(nodes\[4\]\): wait is 3 but only 2 edges lead to the join/,
    )
    expect(errorOf(() => fork().edge('split', 'b', { when: 'x' }).build()).message).toMatch(
      /edges leaving parallel node "split" start every branch/,
    )
  })

  it('check names against the registries when bound', () => {
    const definition = base().build()
    // A frozen object is validated like any other: only build()'s and parse's results skip it.
    const frozen = Object.freeze({ ...structuredClone(definition), nodes: [] })
    expect(errorOf(() => bindWorkflow(frozen)).message).toMatch(/nodes/)
    const unregistered = errorOf(() => bindWorkflow(definition))
    expect(unregistered.message).toMatch(
      /nodes\[2\]\.handler: node "approve" uses handler "noop", which is not registered \(registered: none\)/,
    )
    expect(unregistered.nodeId).toBe('approve')
    const noop = { name: 'noop', execute: () => null }
    expect(bindWorkflow(definition, { handlers: [noop] }).name).toBe('review')

    const agentic: WorkflowDefinition = workflow('agentic')
      .node('start', { type: 'start' })
      .node('ask', { type: 'agent', agent: 'writer', input: '${topic}' })
      .node('end', { type: 'end' })
      .edge('start', 'ask')
      .edge('ask', 'end', { when: 'cel:size(output) > 0' })
      .build()
    expect(errorOf(() => bindWorkflow(agentic)).message).toMatch(
      /node "ask" is an agent node, but no services\.runAgent was given/,
    )
    const services = { runAgent: async () => 'text', agentNames: ['editor'] }
    expect(errorOf(() => bindWorkflow(agentic, { services })).message).toMatch(
      /uses agent "writer", which is not registered \(known: editor\)/,
    )
    const known = { ...services, agentNames: ['writer'] }
    expect(errorOf(() => bindWorkflow(agentic, { services: known })).message).toMatch(
      /edges\[1\]\.when \(node "ask"\): No condition evaluator is registered for the prefix "cel:"/,
    )
    const cel = { compile: (text: string) => text, evaluate: () => true }
    expect(bindWorkflow(agentic, { services: known, evaluators: { 'cel:': cel } }).name).toBe('agentic')
  })
})
