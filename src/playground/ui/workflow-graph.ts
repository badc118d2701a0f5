/**
 * A workflow drawn as SVG from its definition (laid out by `layoutWorkflow`), each node coloured
 * by its status in the run being watched. Shapes follow `workflowToMermaid`: rounded for start
 * and end, a diamond for conditions, slanted for human input.
 *
 * @module
 */
import { type GraphDefinition, type LayoutNode, layoutWorkflow } from '../graph-layout.js'
import { html } from './html.js'

export interface WorkflowGraphProps {
  definition: GraphDefinition
  /** Status by node id: running, completed, failed, waiting, cancelled. */
  statuses: Record<string, string>
}

function shape(node: LayoutNode) {
  const { x, y, width: w, height: hgt } = node
  switch (node.type) {
    case 'start':
    case 'end':
      return html`<rect x=${x} y=${y} width=${w} height=${hgt} rx=${hgt / 2} />`
    case 'condition':
      return html`<polygon points=${`${x + w / 2},${y} ${x + w},${y + hgt / 2} ${x + w / 2},${y + hgt} ${x},${y + hgt / 2}`} />`
    case 'human':
      return html`<polygon points=${`${x + 12},${y} ${x + w},${y} ${x + w - 12},${y + hgt} ${x},${y + hgt}`} />`
    default:
      return html`<rect x=${x} y=${y} width=${w} height=${hgt} rx="4" />`
  }
}

export function WorkflowGraph(props: WorkflowGraphProps) {
  const layout = layoutWorkflow(props.definition)
  const described = layout.nodes
    .map((node) => `${node.label}: ${props.statuses[node.id] ?? 'not run'}`)
    .join('; ')
  return html`<svg
    class="graph"
    role="img"
    aria-label=${`Workflow graph. ${described}`}
    viewBox=${`0 0 ${layout.width} ${layout.height}`}
    width=${layout.width}
    height=${layout.height}
  >
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
        <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
      </marker>
    </defs>
    ${layout.edges.map(
      (edge) => html`<g class=${`edge${edge.back ? ' back' : ''}`} key=${`${edge.from}>${edge.to}`}>
        <polyline points=${edge.points.map((point) => `${point.x},${point.y}`).join(' ')} marker-end="url(#arrow)" />
        ${edge.when !== undefined && html`<text x=${edge.labelAt.x + 4} y=${edge.labelAt.y} class="edge-label">${edge.when}</text>`}
      </g>`,
    )}
    ${layout.nodes.map(
      (
        node,
      ) => html`<g class=${`node type-${node.type} status-${props.statuses[node.id] ?? 'idle'}`} key=${node.id} data-node=${node.id}>
        <title>${node.label} (${node.type}): ${props.statuses[node.id] ?? 'not run'}</title>
        ${shape(node)}
        <text x=${node.x + node.width / 2} y=${node.y + (node.detail === '' ? node.height / 2 + 4 : node.height / 2 - 3)} text-anchor="middle" class="node-label">${node.label}</text>
        ${node.detail !== '' && html`<text x=${node.x + node.width / 2} y=${node.y + node.height / 2 + 13} text-anchor="middle" class="node-detail">${node.detail.length > 26 ? `${node.detail.slice(0, 25)}…` : node.detail}</text>`}
      </g>`,
    )}
  </svg>`
}
