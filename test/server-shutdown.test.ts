import { Agent, createMemoryStorage, Runtime } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, startServer } from './support/server.js'

describe('server: graceful shutdown', () => {
  it('fails readiness, refuses new runs, ends event streams with a final comment, lets runs finish and stored, then stops', async () => {
    const storage = createMemoryStorage()
    const model = scriptedModel([{ text: 'first part ' }, { delayMs: 600, text: 'slow answer' }])
    const agent = new Agent({ name: 'slow', model })
    const runtime = new Runtime({ storage, agents: [agent] })
    const { server, listening, request, url } = await startServer({
      runtime,
      agents: [agent],
      shutdownGraceMs: 5_000,
    })
    expect(
      (await (await request('/api/agents/slow/chat', { json: { message: 'warm up' } })).json()).status,
    ).toBe('completed')
    const streamed = await request('/api/agents/slow/chat', { json: { message: 'go', stream: true } })
    const runId = streamed.headers.get('X-Agentloop-Run-Id') as string
    const reader = (streamed.body as ReadableStream<Uint8Array>).getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toContain('data:')
    const closing = listening.close()
    // While draining: not ready, and no new run starts (asked through the handler, the socket is closing).
    const ready = await server.fetch(new Request('http://local/health/ready'))
    expect(ready.status).toBe(503)
    const refused = await server.fetch(
      new Request('http://local/api/agents/slow/chat', {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: 'late' }),
      }),
    )
    expect(refused.status).toBe(503)
    expect(refused.headers.get('Retry-After')).toBe('5')
    let rest = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      rest += new TextDecoder().decode(value)
    }
    expect(rest).toContain(': server shutting down')
    await closing
    // The run was let finish and its end stored before the server stopped.
    expect((await storage.runs.get(runId))?.status).toBe('completed')
    await expect(fetch(`${url}/health/live`)).rejects.toThrow()
  })
})
