import type { WorkflowDefinition, WorkflowNode } from './workflow-definition.js'

/**
 * Draws a definition as a Mermaid flowchart (for docs, READMEs and the playground): one shape per
 * node kind (stadium for start and end, rhombus for conditions, subroutine for parallel and join,
 * parallelogram for human input), edges labelled with their conditions.
 *
 * @example
 * console.log(workflowToMermaid(definition))   // paste into a ```mermaid block
 */
export function workflowToMermaid(
  definition: WorkflowDefinition,
  options: { direction?: 'TD' | 'LR' } = {},
): string {
  // Mermaid ids are generated (n0, n1...): node ids such as `end` are keywords in Mermaid.
  const ids = new Map(definition.nodes.map((node, index) => [node.id, `n${index}`]))
  const lines = [`flowchart ${options.direction ?? 'TD'}`]
  for (const node of definition.nodes) lines.push(`  ${ids.get(node.id)}${shape(node)}`)
  for (const edge of definition.edges) {
    const label = edge.when === undefined ? '' : `|"${escapeLabel(edge.when)}"|`
    lines.push(`  ${ids.get(edge.from)} -->${label} ${ids.get(edge.to)}`)
  }
  return `${lines.join('\n')}\n`
}

function shape(node: WorkflowNode): string {
  const detail = describe(node)
  const text =
    escapeLabel(node.label ?? node.id) + (detail === '' ? '' : `<br/><small>${escapeLabel(detail)}</small>`)
  switch (node.type) {
    case 'start':
    case 'end':
      return `(["${text}"])`
    case 'condition':
      return `{"${text}"}`
    case 'parallel':
    case 'join':
      return `[["${text}"]]`
    case 'human':
      return `[/"${text}"/]`
    default:
      return `["${text}"]`
  }
}

function describe(node: WorkflowNode): string {
  switch (node.type) {
    case 'agent':
      return `agent: ${node.agent}`
    case 'tool':
      return `tool: ${node.tool}`
    case 'function':
      return `function: ${node.function}`
    case 'condition':
      return node.expression
    case 'join':
      return `wait: ${node.wait ?? 'all'}`
    case 'workflow':
      return `workflow: ${node.workflow}`
    case 'handler':
      return `handler: ${node.handler}`
    case 'human':
      return 'human input'
    default:
      return ''
  }
}

/** Mermaid labels take entity codes (`#quot;`); quotes and angle brackets must be escaped. */
function escapeLabel(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\n/g, ' ')
}
