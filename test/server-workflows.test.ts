import { Agent, createMemoryStorage, Runtime } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { bindWorkflow, createWorkflowServices, type NodeHandler, workflow } from 'agentloop/workflows'
import { describe, expect, it } from 'vitest'
import { startServer, type TestServer } from './support/server.js'
import { orderWorkflow } from './support/workflow-server.js'
import { eventsOf, readSse } from './support/sse.js'

const order = orderWorkflow

function orderRuntime() {
  const executed: string[] = []
  const work: NodeHandler = {
    name: 'work',
    execute: (node) => {
      executed.push(node.id)
      return node.config
    },
  }
  const helper = new Agent({ name: 'helper', model: scriptedModel([{ text: 'hi' }]) })
  const runtime = new Runtime({ storage: createMemoryStorage(), agents: [helper] })
  runtime.register(
    bindWorkflow(order, { handlers: [work], services: createWorkflowServices({ agents: [helper] }) }),
  )
  return { runtime, executed }
}

async function waitForStatus(request: TestServer['request'], runId: string, statuses: string[]) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const run = await (await request(`/api/runs/${runId}`)).json()
    if (statuses.includes(run.status)) return run
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`run ${runId} never reached ${statuses.join('/')}`)
}

describe('server: workflows', () => {
  it('lists the runtime’s workflows with their definitions, and shows one with its Mermaid drawing', async () => {
    const { runtime } = orderRuntime()
    const { request } = await startServer({ runtime })
    const listed = await request('/api/workflows')
    expect(listed.status).toBe(200)
    const { workflows } = await listed.json()
    // the agent registered on the same runtime is not a workflow
    expect(workflows).toEqual([
      {
        name: 'order',
        description: 'Charge, ask a person, ship',
        definition: JSON.parse(JSON.stringify(order)),
      },
    ])
    const shown = await (await request('/api/workflows/order')).json()
    expect(shown.definition.nodes.map((node: { id: string }) => node.id)).toEqual([
      'start',
      'charge',
      'approve',
      'ship',
      'end',
    ])
    expect(shown.mermaid).toMatch(/^flowchart TD\n/)
    expect(shown.mermaid).toContain('[/"approve<br/><small>human input</small>"/]')
    expect((await request('/api/workflows/nope')).status).toBe(404)
    expect((await request('/api/workflows/helper')).status).toBe(404)
    // a workflow registered after the server started is served too
    runtime.register(
      bindWorkflow(
        workflow('later')
          .node('start', { type: 'start' })
          .node('end', { type: 'end' })
          .edge('start', 'end')
          .build(),
      ),
    )
    expect((await request('/api/workflows/later')).status).toBe(200)
  })

  it('runs a workflow over HTTP: submit (202), SSE events, pause at the human node, answer, complete', async () => {
    const { runtime, executed } = orderRuntime()
    const { request } = await startServer({ runtime })
    const submitted = await request('/api/workflows/order/runs', { json: { input: { amount: 30 } } })
    expect(submitted.status).toBe(202)
    const { runId } = await submitted.json()
    expect(submitted.headers.get('Location')).toBe(`/api/runs/${runId}`)

    // the stream of the first part ends with run.end awaiting_input
    const first = eventsOf(await readSse(await request(`/api/runs/${runId}/events`)))
    expect(first.map((event) => event.seq)).toEqual(first.map((_, index) => index + 1))
    expect(first[0]).toMatchObject({ type: 'run.start' })
    expect(
      first.filter((event) => event.type === 'node.end').map((event) => `${event.nodeId} ${event.status}`),
    ).toEqual(['start completed', 'charge completed', 'approve waiting'])
    const request_ = first.find((event) => event.type === 'input.request')
    expect(request_).toBeDefined()
    expect(first.at(-1)).toMatchObject({ type: 'run.end', status: 'awaiting_input' })
    const paused = await (await request(`/api/runs/${runId}`)).json()
    expect(paused).toMatchObject({ status: 'awaiting_input', agent: 'order' })
    expect(JSON.stringify(paused.request)).toContain('approve')

    // wrong answers change nothing: a node that does not wait, and an empty body
    const wrong = await request(`/api/runs/${runId}/resume`, { json: { input: { ship: true } } })
    expect(wrong.status).toBe(422)
    expect((await wrong.json()).error).toMatchObject({
      field: 'body.input',
      message: expect.stringContaining('ship'),
    })
    expect((await request(`/api/runs/${runId}/resume`, { json: {} })).status).toBe(422)
    expect((await (await request(`/api/runs/${runId}`)).json()).status).toBe('awaiting_input')

    const last = first.at(-1)?.seq as number
    const answered = await request(`/api/runs/${runId}/resume`, {
      json: { input: { approve: { ok: true } } },
    })
    expect(answered.status).toBe(202)
    expect((await answered.json()).runId).toBe(runId)
    const rest = eventsOf(
      await readSse(
        await request(`/api/runs/${runId}/events`, { headers: { 'Last-Event-ID': String(last) } }),
      ),
    )
    expect(rest[0]?.seq).toBe(last + 1)
    const all = [...first, ...rest]
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1))
    expect(rest.at(-1)).toMatchObject({
      type: 'run.end',
      status: 'completed',
      output: { charge: 'charged 30', ship: 'shipped: true' },
    })
    expect(executed).toEqual(['charge', 'ship'])
    expect(await waitForStatus(request, runId, ['completed'])).toMatchObject({
      output: { charge: 'charged 30', ship: 'shipped: true' },
    })
    // answering again: the run is not paused any more
    const again = await request(`/api/runs/${runId}/resume`, { json: { input: { approve: { ok: true } } } })
    expect(again.status).toBe(409)
  })

  it('takes one answer when two arrive at once: one 202, one 409, the rest of the workflow runs once', async () => {
    const { runtime, executed } = orderRuntime()
    const { request } = await startServer({ runtime })
    const { runId } = await (
      await request('/api/workflows/order/runs', { json: { input: { amount: 7 } } })
    ).json()
    await waitForStatus(request, runId, ['awaiting_input'])
    const answers = await Promise.all(
      [true, false].map((ok) =>
        request(`/api/runs/${runId}/resume`, { json: { input: { approve: { ok } } } }),
      ),
    )
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409])
    const run = await waitForStatus(request, runId, ['completed'])
    expect(['shipped: true', 'shipped: false']).toContain(run.output.ship)
    expect(executed).toEqual(['charge', 'ship'])
  })

  it('checks the input against the workflow’s schema (422 naming the field); agent runs take approvals, not input', async () => {
    const { runtime } = orderRuntime()
    const { request } = await startServer({ runtime })
    const bad = await request('/api/workflows/order/runs', { json: { input: { amount: 'many' } } })
    expect(bad.status).toBe(422)
    expect((await bad.json()).error.field).toBe('body.input.amount')
    const missing = await request('/api/workflows/order/runs', { json: {} })
    expect(missing.status).toBe(422)
    expect((await request('/api/workflows/order/runs', { json: { input: [1] } })).status).toBe(422)
    expect((await request('/api/workflows/order/runs', { json: { amount: 1 } })).status).toBe(422)
    expect((await request('/api/workflows/nope/runs', { json: {} })).status).toBe(404)
    const { runId } = await (await request('/api/runs', { json: { agent: 'helper', input: 'hi' } })).json()
    await waitForStatus(request, runId, ['completed'])
    expect((await request(`/api/runs/${runId}/resume`, { json: { input: 'yes' } })).status).toBe(409)
    expect((await request('/api/runs/nope/resume', { json: { input: 'yes' } })).status).toBe(404)
  })

  it("keeps workflow runs to their owner: another owner's key gets 404 on the run, its events and resume", async () => {
    const { runtime } = orderRuntime()
    const { request } = await startServer({ runtime })
    const keyOf = async (owner: string, scopes: string[] = ['run']) =>
      (await (await request('/api/keys', { json: { owner, scopes } })).json()).key as string
    const alice = await keyOf('alice')
    const bob = await keyOf('bob')
    const reader = await keyOf('alice', ['read'])
    expect(
      (await request('/api/workflows/order/runs', { key: reader, json: { input: { amount: 1 } } })).status,
    ).toBe(403)
    expect((await request('/api/workflows', { key: reader })).status).toBe(200)
    const { runId } = await (
      await request('/api/workflows/order/runs', { key: alice, json: { input: { amount: 5 } } })
    ).json()
    await waitForStatus(request, runId, ['awaiting_input'])
    expect((await request(`/api/runs/${runId}`, { key: bob })).status).toBe(404)
    expect((await request(`/api/runs/${runId}/events`, { key: bob })).status).toBe(404)
    const stolen = await request(`/api/runs/${runId}/resume`, {
      key: bob,
      json: { input: { approve: { ok: true } } },
    })
    expect(stolen.status).toBe(404)
    expect(
      (await (await request('/api/runs', { key: alice })).json()).runs.map(
        (run: { runId: string }) => run.runId,
      ),
    ).toEqual([runId])
    const answered = await request(`/api/runs/${runId}/resume`, {
      key: alice,
      json: { input: { approve: { ok: false } } },
    })
    expect(answered.status).toBe(202)
    expect((await waitForStatus(request, runId, ['completed'])).output).toEqual({
      charge: 'charged 5',
      ship: 'shipped: false',
    })
  })
})
