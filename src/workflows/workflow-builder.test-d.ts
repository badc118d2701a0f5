// Type tests: checked by `npm run typecheck` (tsc fails if an expectation does not hold).
import { expectTypeOf } from 'vitest'
import { workflow } from './workflow-builder.js'
import type { WorkflowDefinition } from './workflow-definition.js'

const draft = workflow('typed')
  .node('start', { type: 'start' })
  .node('triage', { type: 'agent', agent: 'triage', input: '${message}' })
  .node('end', { type: 'end' })

// Edges take only the ids of nodes already added.
draft.edge('start', 'triage').edge('triage', 'end')
// @ts-expect-error: "triag" is not a node of this workflow
draft.edge('start', 'triag')
// @ts-expect-error: a node spec needs the fields of its type (an agent node needs `agent`)
draft.node('broken', { type: 'agent', input: 'x' })
// @ts-expect-error: unknown node type
draft.node('robot', { type: 'robot' })

expectTypeOf(draft.edge('start', 'triage').edge('triage', 'end').build()).toEqualTypeOf<WorkflowDefinition>()
