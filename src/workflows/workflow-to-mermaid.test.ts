import { describe, expect, it } from 'vitest'
import { workflow } from './workflow-builder.js'
import { workflowToMermaid } from './workflow-to-mermaid.js'

describe('workflowToMermaid', () => {
  it('draws each node kind with its shape and labels edges with their conditions, escaped', () => {
    const definition = workflow('support')
      .node('start', { type: 'start' })
      .node('triage', { type: 'agent', agent: 'triage', input: '${message}', label: 'Triage "first"' })
      .node('urgent', { type: 'condition', expression: 'triage.output.priority > 2' })
      .node('split', { type: 'parallel' })
      .node('notify', { type: 'handler', handler: 'http_request' })
      .node('review', { type: 'human' })
      .node('join', { type: 'join', wait: 'any' })
      .node('end', { type: 'end' })
      .edge('start', 'triage')
      .edge('triage', 'urgent')
      .edge('urgent', 'split', { when: 'true' })
      .edge('urgent', 'end')
      .edge('split', 'notify')
      .edge('split', 'review')
      .edge('notify', 'join')
      .edge('review', 'join')
      .edge('join', 'end')
      .build()
    expect(workflowToMermaid(definition)).toBe(
      [
        'flowchart TD',
        '  n0(["start"])',
        '  n1["Triage #quot;first#quot;<br/><small>agent: triage</small>"]',
        '  n2{"urgent<br/><small>triage.output.priority #gt; 2</small>"}',
        '  n3[["split"]]',
        '  n4["notify<br/><small>handler: http_request</small>"]',
        '  n5[/"review<br/><small>human input</small>"/]',
        '  n6[["join<br/><small>wait: any</small>"]]',
        '  n7(["end"])',
        '  n0 --> n1',
        '  n1 --> n2',
        '  n2 -->|"true"| n3',
        '  n2 --> n7',
        '  n3 --> n4',
        '  n3 --> n5',
        '  n4 --> n6',
        '  n5 --> n6',
        '  n6 --> n7',
        '',
      ].join('\n'),
    )
    expect(workflowToMermaid(definition, { direction: 'LR' }).startsWith('flowchart LR\n')).toBe(true)
  })
})
