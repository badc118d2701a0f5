import { workflow } from 'agentloop/workflows'
import { describe, expect, it } from 'vitest'
import { layoutWorkflow } from './graph-layout.js'

const support = workflow('support')
  .node('start', { type: 'start' })
  .node('triage', { type: 'agent', agent: 'triage', input: 'x' })
  .node('route', { type: 'condition', expression: 'triage.output.urgent' })
  .node('answer', { type: 'agent', agent: 'specialist', input: 'y' })
  .node('review', { type: 'human', prompt: 'Check it' })
  .node('end', { type: 'end' })
  .edge('start', 'triage')
  .edge('triage', 'route')
  .edge('route', 'review', { when: 'true' })
  .edge('route', 'answer', { when: 'false' })
  .edge('answer', 'end')
  .edge('review', 'end')
  .build()

describe('layoutWorkflow', () => {
  it('puts each node below all its predecessors, branches side by side, inside the drawing', () => {
    const layout = layoutWorkflow(support)
    const at = new Map(layout.nodes.map((node) => [node.id, node]))
    expect(layout.nodes.map((node) => [node.id, node.layer])).toEqual([
      ['start', 0],
      ['triage', 1],
      ['route', 2],
      ['answer', 3],
      ['review', 3],
      ['end', 4],
    ])
    expect(at.get('answer')?.y).toBe(at.get('review')?.y)
    expect(at.get('answer')?.x).not.toBe(at.get('review')?.x)
    for (const edge of support.edges) {
      expect(at.get(edge.to)?.y).toBeGreaterThan(at.get(edge.from)?.y as number)
    }
    for (const node of layout.nodes) {
      expect(node.x).toBeGreaterThanOrEqual(0)
      expect(node.x + node.width).toBeLessThanOrEqual(layout.width)
      expect(node.y + node.height).toBeLessThanOrEqual(layout.height)
    }
    expect(at.get('triage')?.detail).toBe('agent: triage')
    expect(at.get('route')?.detail).toBe('triage.output.urgent')
    expect(at.get('review')?.detail).toBe('human input')
    const edge = layout.edges.find((entry) => entry.to === 'review')
    expect(edge).toMatchObject({ when: 'true', back: false })
    expect(edge?.points[0]).toEqual({
      x: (at.get('route')?.x as number) + 84,
      y: (at.get('route')?.y as number) + 48,
    })
  })

  it('draws a loop edge back up on the right, outside the nodes, and keeps layers finite', () => {
    const loop = workflow('loop')
      .node('start', { type: 'start' })
      .node('draft', { type: 'agent', agent: 'writer', input: 'x' })
      .node('check', { type: 'condition', expression: 'draft.output.ok' })
      .node('end', { type: 'end' })
      .edge('start', 'draft')
      .edge('draft', 'check')
      .edge('check', 'draft', { when: 'false' })
      .edge('check', 'end', { when: 'true' })
      .build()
    const layout = layoutWorkflow(loop)
    const back = layout.edges.filter((edge) => edge.back)
    expect(back.map((edge) => [edge.from, edge.to])).toEqual([['check', 'draft']])
    const rightmost = Math.max(...layout.nodes.map((node) => node.x + node.width))
    expect(back[0]?.points[1]?.x).toBeGreaterThan(rightmost)
    expect(back[0]?.points[1]?.x).toBeLessThanOrEqual(layout.width)
    expect(layout.nodes.find((node) => node.id === 'end')?.layer).toBe(3)
  })

  it('routes an edge that skips a layer around the nodes between, inside the drawing', () => {
    const skip = workflow('skip')
      .node('start', { type: 'start' })
      .node('route', { type: 'condition', expression: 'urgent' })
      .node('review', { type: 'human' })
      .node('end', { type: 'end' })
      .edge('start', 'route')
      .edge('route', 'review', { when: 'true' })
      .edge('route', 'end')
      .edge('review', 'end')
      .build()
    const layout = layoutWorkflow(skip)
    const review = layout.nodes.find((node) => node.id === 'review') as { x: number; width: number }
    const long = layout.edges.find((edge) => edge.from === 'route' && edge.to === 'end')
    expect(long?.points).toHaveLength(4)
    for (const point of long?.points.slice(1, 3) ?? []) {
      expect(point.x).toBeGreaterThan(review.x + review.width)
      expect(point.x).toBeLessThanOrEqual(layout.width)
    }
    expect(layout.edges.find((edge) => edge.to === 'review')?.points).toHaveLength(2)
  })

  it('places nodes nobody reaches and ignores edges to unknown nodes', () => {
    const lonely = { id: 'lonely', type: 'handler', handler: 'h' }
    const layout = layoutWorkflow({
      nodes: [{ id: 'a', type: 'start' }, lonely],
      edges: [{ from: 'a', to: 'ghost' }],
    })
    expect(layout.nodes.map((node) => node.id).sort()).toEqual(['a', 'lonely'])
    expect(layout.edges).toEqual([])
    expect(layout.nodes.find((node) => node.id === 'lonely')?.detail).toBe('handler: h')
  })
})
