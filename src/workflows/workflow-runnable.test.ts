import { describe, expect, it } from 'vitest'
import { toRunEvent } from './workflow-runnable.js'

describe('toRunEvent', () => {
  it('copies a workflow event without its stamps, its nested values too (subscribers get the event)', () => {
    const output = { items: [1, 2] }
    const event = toRunEvent({
      type: 'workflow.end',
      workflow: 'w',
      status: 'completed',
      durationMs: 3,
      output,
      runId: 'r',
      seq: 9,
      time: 1,
    } as never)
    output.items.push(3)
    expect(event).toEqual({
      type: 'workflow.end',
      workflow: 'w',
      status: 'completed',
      durationMs: 3,
      output: { items: [1, 2] },
    })
    const flat = { type: 'node.start', nodeId: 'a', nodeType: 'handler', iteration: 1 } as const
    expect(toRunEvent(flat)).toEqual(flat)
    expect(toRunEvent(flat)).not.toBe(flat)
  })

  it('wraps what a node forwards in node.event, made JSON', () => {
    const at = new Date(0)
    expect(
      toRunEvent({
        type: 'text.delta',
        nodeId: 'a',
        nodeRunId: 'a-run',
        delta: 'x',
        at,
        runId: 'r',
      } as never),
    ).toEqual({
      type: 'node.event',
      nodeId: 'a',
      nodeRunId: 'a-run',
      event: { type: 'text.delta', delta: 'x', at: at.toJSON() },
    })
  })
})
