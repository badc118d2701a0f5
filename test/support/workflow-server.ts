import { workflow } from 'agentloop/workflows'

/** Charge, ask a person (a human node), ship: the workflow the server tests run over HTTP. */
export const orderWorkflow = workflow('order')
  .describe('Charge, ask a person, ship')
  .input({
    type: 'object',
    properties: { amount: { type: 'number' } },
    required: ['amount'],
  })
  .node('start', { type: 'start' })
  .node('charge', { type: 'handler', handler: 'work', config: 'charged ${amount}' })
  .node('approve', { type: 'human', prompt: 'Ship the order of ${amount}?' })
  .node('ship', { type: 'handler', handler: 'work', config: 'shipped: ${approve.output.ok}' })
  .node('end', { type: 'end', output: { charge: '${charge.output}', ship: '${ship.output}' } })
  .edge('start', 'charge')
  .edge('charge', 'approve')
  .edge('approve', 'ship')
  .edge('ship', 'end')
  .build()

/** A workflow that only waits for a person: what the server fuzz resumes. */
export const reviewWorkflow = workflow('review')
  .input({ type: 'object', properties: { amount: { type: 'number' } } })
  .node('start', { type: 'start' })
  .node('ask', { type: 'human', prompt: 'Amount ${amount}?' })
  .node('end', { type: 'end', output: '${ask.output}' })
  .edge('start', 'ask')
  .edge('ask', 'end')
  .build()
