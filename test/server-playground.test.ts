import { Agent, createMemoryStorage, Runtime, tool } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { startServer, type TestServer } from './support/server.js'

async function waitForStatus(request: TestServer['request'], runId: string, status: string) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const run = await (await request(`/api/runs/${runId}`)).json()
    if (run.status === status) return run
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`run ${runId} never reached ${status}`)
}

const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})

describe('server: the playground', () => {
  it('redirects / to /playground and serves the page and its files under default-src self, with ETags', async () => {
    const { request } = await startServer()
    const root = await request('/', { key: null, redirect: 'manual' })
    expect(root.status).toBe(302)
    expect(root.headers.get('Location')).toBe('/playground')

    const page = await request('/playground', { key: null })
    expect(page.status).toBe(200)
    const csp = page.headers.get('Content-Security-Policy') ?? ''
    expect(csp).toMatch(/^default-src 'self';/)
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/)
    const body = await page.text()
    expect(body).toContain('<script type="module" src="/playground/app.js"></script>')
    // no inline script or style in the page itself
    expect(body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/)
    expect(body).not.toMatch(/<style|\sstyle=/)

    const script = await request('/playground/app.js', { key: null })
    expect(script.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8')
    expect(script.headers.get('Content-Security-Policy')).toBe(csp)
    const code = await script.text()
    expect(code.length).toBeGreaterThan(10_000)
    expect(code).not.toMatch(/\bnew Function\(|\beval\(/)
    const etag = script.headers.get('ETag') as string
    const again = await request('/playground/app.js', { key: null, headers: { 'If-None-Match': etag } })
    expect(again.status).toBe(304)
    const style = await request('/playground/app.css', { key: null })
    expect(style.headers.get('Content-Type')).toBe('text/css; charset=utf-8')
    expect(await style.text()).toMatch(/@media ?\(max-width: ?760px\)/)
  })

  it('answers the request of each turn as stored, with the agent’s instructions and tools', async () => {
    const model = scriptedModel([{ toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }] }, { text: '5' }])
    const agent = new Agent({ name: 'calc', instructions: 'Use tools.', model, tools: [add] })
    const { request } = await startServer({
      runtime: new Runtime({ storage: createMemoryStorage(), agents: [agent] }),
    })
    const { runId } = await (
      await request('/api/runs', { json: { agent: 'calc', input: 'What is 2 + 3?' } })
    ).json()
    await waitForStatus(request, runId, 'completed')
    const answer = await (await request(`/api/runs/${runId}/requests`)).json()
    expect(answer).toMatchObject({
      runId,
      agent: 'calc',
      available: true,
      instructions: 'Use tools.',
      tools: [{ name: 'add', description: 'Add two numbers' }],
    })
    expect(
      answer.turns.map((turn: { messages: { role: string }[] }) =>
        turn.messages.map((message) => message.role),
      ),
    ).toEqual([['user'], ['user', 'assistant', 'tool']])
    // what the model really received, turn by turn
    expect(answer.turns.map((turn: { messages: unknown[] }) => turn.messages)).toEqual(
      model.requests.map((sent) => sent.messages),
    )
    expect((await request('/api/runs/nope/requests')).status).toBe(404)
  })

  it('answers a session as it stands with input [] (after an edit), and refuses [] without a session', async () => {
    const model = scriptedModel([{ text: 'Lisbon is lovely.' }, { text: 'Porto is lovely.' }])
    const agent = new Agent({ name: 'guide', model })
    const { request } = await startServer({
      runtime: new Runtime({ storage: createMemoryStorage(), agents: [agent] }),
    })
    const session = await (await request('/api/sessions', { json: { title: 'trip' } })).json()
    const first = await (
      await request('/api/runs', {
        json: { agent: 'guide', input: 'Tell me about Lisbon', sessionId: session.sessionId },
      })
    ).json()
    await waitForStatus(request, first.runId, 'completed')
    const { messages } = await (await request(`/api/sessions/${session.sessionId}/messages`)).json()
    const question = messages[0]
    const edited = await request(`/api/sessions/${session.sessionId}/messages/${question.id}/edit`, {
      json: { message: { role: 'user', content: 'Tell me about Porto' } },
    })
    expect(edited.status).toBe(200)
    const second = await (
      await request('/api/runs', { json: { agent: 'guide', input: [], sessionId: session.sessionId } })
    ).json()
    expect(await waitForStatus(request, second.runId, 'completed')).toMatchObject({
      output: 'Porto is lovely.',
    })
    expect(model.requests[1]?.messages).toEqual([{ role: 'user', content: 'Tell me about Porto' }])
    const after = await (await request(`/api/sessions/${session.sessionId}/messages`)).json()
    expect(after.messages.map((entry: { message: { role: string } }) => entry.message.role)).toEqual([
      'user',
      'assistant',
    ])
    expect(after.messages[0].message.content).toBe('Tell me about Porto')
    expect(after.messages[1].message.content).toEqual([{ type: 'text', text: 'Porto is lovely.' }])

    const refused = await request('/api/runs', { json: { agent: 'guide', input: [] } })
    expect(refused.status).toBe(422)
    expect((await refused.json()).error).toMatchObject({ field: 'body.input' })
  })
})
