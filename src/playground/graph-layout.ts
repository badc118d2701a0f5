/**
 * Positions a workflow definition's nodes in layers, top to bottom, for the playground's SVG
 * drawing (no Mermaid: the page loads nothing from elsewhere). Layers follow the longest path
 * from the start nodes; edges that close a loop are drawn on the right, back up.
 *
 * @module
 */

/** What the layout reads of a definition (the JSON `GET /api/workflows/{name}` answers). */
export interface GraphDefinition {
  nodes: readonly GraphNode[]
  edges: readonly { from: string; to: string; when?: string }[]
}

/** A node: its id, kind and label; the rest (`agent`, `expression`...) is read for the detail line. */
export interface GraphNode {
  id: string
  type: string
  label?: string
}

export interface LayoutNode {
  id: string
  type: string
  label: string
  /** A second line: `agent: triage`, the condition's expression... */
  detail: string
  layer: number
  x: number
  y: number
  width: number
  height: number
}

export interface LayoutEdge {
  from: string
  to: string
  when?: string
  /** True for an edge back to an earlier layer (a loop). */
  back: boolean
  /** The polyline, first point on the source, last on the target. */
  points: { x: number; y: number }[]
  /** Where to write `when`. */
  labelAt: { x: number; y: number }
}

export interface GraphLayout {
  width: number
  height: number
  nodes: LayoutNode[]
  edges: LayoutEdge[]
}

const NODE_WIDTH = 168
const NODE_HEIGHT = 48
const GAP_X = 32
const GAP_Y = 44
const PADDING = 16
const LOOP_LANE = 24

/** Lays out a definition; edges naming unknown nodes are left out. */
export function layoutWorkflow(definition: GraphDefinition): GraphLayout {
  const ids = definition.nodes.map((node) => node.id)
  const known = new Set(ids)
  const edges = definition.edges.filter((edge) => known.has(edge.from) && known.has(edge.to))
  const outgoing = new Map(ids.map((id) => [id, [] as string[]]))
  for (const edge of edges) outgoing.get(edge.from)?.push(edge.to)

  // Depth-first from the start nodes (then from any node not reached): an edge to a node still on
  // the stack closes a loop.
  const back = new Set<string>()
  const state = new Map<string, 'open' | 'done'>()
  const visit = (id: string) => {
    state.set(id, 'open')
    for (const next of outgoing.get(id) ?? []) {
      const seen = state.get(next)
      if (seen === 'open') back.add(`${id}\u0000${next}`)
      else if (seen === undefined) visit(next)
    }
    state.set(id, 'done')
  }
  const incoming = new Set(edges.map((edge) => edge.to))
  const roots = [
    ...definition.nodes.filter((node) => node.type === 'start').map((node) => node.id),
    ...ids.filter((id) => !incoming.has(id)),
    ...ids,
  ]
  for (const id of roots) if (!state.has(id)) visit(id)

  // Longest path over the forward edges, in topological order (Kahn).
  const forward = edges.filter((edge) => !back.has(`${edge.from}\u0000${edge.to}`))
  const layer = new Map(ids.map((id) => [id, 0]))
  const indegree = new Map(ids.map((id) => [id, 0]))
  for (const edge of forward) indegree.set(edge.to, (indegree.get(edge.to) ?? 0) + 1)
  const queue = ids.filter((id) => indegree.get(id) === 0)
  while (queue.length > 0) {
    const id = queue.shift() as string
    for (const edge of forward) {
      if (edge.from !== id) continue
      layer.set(edge.to, Math.max(layer.get(edge.to) ?? 0, (layer.get(id) ?? 0) + 1))
      const left = (indegree.get(edge.to) ?? 0) - 1
      indegree.set(edge.to, left)
      if (left === 0) queue.push(edge.to)
    }
  }

  // Order within a layer by the mean position of the predecessors (one pass keeps crossings low).
  const layers: string[][] = []
  for (const id of ids) {
    const index = layer.get(id) ?? 0
    layers[index] = [...(layers[index] ?? []), id]
  }
  const position = new Map<string, number>()
  for (const row of layers) {
    if (row === undefined) continue
    const weight = (id: string) => {
      const from = forward.filter((edge) => edge.to === id).map((edge) => position.get(edge.from) ?? 0)
      return from.length === 0
        ? (position.get(id) ?? row.indexOf(id))
        : from.reduce((a, b) => a + b) / from.length
    }
    const weights = new Map(row.map((id) => [id, weight(id)]))
    row.sort((a, b) => (weights.get(a) ?? 0) - (weights.get(b) ?? 0))
    row.forEach((id, index) => {
      position.set(id, index)
    })
  }

  const widest = Math.max(1, ...layers.map((row) => row?.length ?? 0))
  const innerWidth = widest * NODE_WIDTH + (widest - 1) * GAP_X
  const byId = new Map(definition.nodes.map((node) => [node.id, node]))
  const nodes: LayoutNode[] = []
  layers.forEach((row, index) => {
    if (row === undefined) return
    const rowWidth = row.length * NODE_WIDTH + (row.length - 1) * GAP_X
    const left = PADDING + (innerWidth - rowWidth) / 2
    row.forEach((id, column) => {
      const node = byId.get(id)
      if (node === undefined) return
      nodes.push({
        id,
        type: node.type,
        label: typeof node.label === 'string' ? node.label : id,
        detail: nodeDetail(node),
        layer: index,
        x: left + column * (NODE_WIDTH + GAP_X),
        y: PADDING + index * (NODE_HEIGHT + GAP_Y),
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
      })
    })
  })

  const placed = new Map(nodes.map((node) => [node.id, node]))
  const loops = edges.filter((edge) => back.has(`${edge.from}\u0000${edge.to}`))
  let detour = 0
  const layoutEdges: LayoutEdge[] = edges.map((edge) => {
    const source = placed.get(edge.from) as LayoutNode
    const target = placed.get(edge.to) as LayoutNode
    const isBack = back.has(`${edge.from}\u0000${edge.to}`)
    let points: { x: number; y: number }[]
    if (isBack) {
      const lane = PADDING + innerWidth + LOOP_LANE * (loops.indexOf(edge) + 1)
      const fromY = source.y + source.height / 2
      const toY = target.y + target.height / 2
      points = [
        { x: source.x + source.width, y: fromY },
        { x: lane, y: fromY },
        { x: lane, y: toY },
        { x: target.x + target.width, y: toY },
      ]
    } else {
      const from = { x: source.x + source.width / 2, y: source.y + source.height }
      const to = { x: target.x + target.width / 2, y: target.y }
      // An edge across layers goes around the nodes between, on their right.
      const between = nodes.filter(
        (node) =>
          node.layer > source.layer &&
          node.layer < target.layer &&
          node.x < Math.max(from.x, to.x) + GAP_X / 2 &&
          node.x + node.width > Math.min(from.x, to.x) - GAP_X / 2,
      )
      if (between.length === 0) {
        points = [from, to]
      } else {
        const lane = Math.max(...between.map((node) => node.x + node.width)) + GAP_X / 2
        detour = Math.max(detour, lane + PADDING)
        points = [from, { x: lane, y: from.y + GAP_Y / 2 }, { x: lane, y: to.y - GAP_Y / 2 }, to]
      }
    }
    const first = points[0] as { x: number; y: number }
    const second = points[1] as { x: number; y: number }
    return {
      from: edge.from,
      to: edge.to,
      ...(edge.when === undefined ? {} : { when: edge.when }),
      back: isBack,
      points,
      labelAt: isBack
        ? { x: second.x + 4, y: (second.y + (points[2]?.y ?? second.y)) / 2 }
        : midpoint(first, second),
    }
  })

  return {
    width:
      Math.max(detour, PADDING * 2 + innerWidth) + LOOP_LANE * (loops.length + (loops.length > 0 ? 1 : 0)),
    height: PADDING * 2 + layers.length * NODE_HEIGHT + Math.max(0, layers.length - 1) * GAP_Y,
    nodes,
    edges: layoutEdges,
  }
}

function midpoint(a: { x: number; y: number }, b: { x: number; y: number }) {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }
}

/** The second line of a node: what it runs (as `workflowToMermaid` describes it). */
export function nodeDetail(node: GraphNode): string {
  const fields = node as unknown as Record<string, unknown>
  const text = (field: string) => (typeof fields[field] === 'string' ? (fields[field] as string) : '')
  switch (node.type) {
    case 'agent':
    case 'tool':
    case 'function':
    case 'workflow':
    case 'handler':
      return `${node.type}: ${text(node.type)}`
    case 'condition':
      return text('expression')
    case 'join':
      return `wait: ${fields.wait === undefined ? 'all' : String(fields.wait)}`
    case 'human':
      return 'human input'
    default:
      return ''
  }
}
