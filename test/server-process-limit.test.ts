import { Agent, createMemoryStorage, Runtime } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { startServer } from './support/server.js'

describe('server: runs in flight per process', () => {
  it('refuses a run over limits.processConcurrentRuns with 429 + Retry-After, whichever key asks, and takes it once one ends', async () => {
    const model = scriptedModel([{ delayMs: 400, text: 'slow' }, { text: 'fast' }])
    const agent = new Agent({ name: 'echo', model })
    const runtime = new Runtime({ storage: createMemoryStorage(), agents: [agent] })
    const { request, server } = await startServer({
      runtime,
      limits: { concurrentRuns: 5, processConcurrentRuns: 1 },
    })
    const keyOf = async (owner: string) =>
      (await (await request('/api/keys', { json: { owner, scopes: ['run'] } })).json()).key as string
    const alice = await keyOf('alice')
    const bob = await keyOf('bob')
    const slow = await request('/api/runs', { key: alice, json: { agent: 'echo', input: 'slow' } })
    expect(slow.status).toBe(202)
    expect(server.context.limits.inFlight()).toBe(1)
    // bob is well within his own key's limit: the process is not
    const refused = await request('/api/agents/echo/chat', { key: bob, json: { message: 'hi' } })
    expect(refused.status).toBe(429)
    expect(refused.headers.get('Retry-After')).toBe('1')
    const body = await refused.json()
    expect(body.error).toMatchObject({ type: 'rate_limited' })
    expect(body.error.message).toContain('limits.processConcurrentRuns = 1')
    expect((await request('/api/runs', { key: bob, json: { agent: 'echo', input: 'x' } })).status).toBe(429)
    const { runId } = await slow.json()
    await runtime.wait(runId)
    for (let attempt = 0; attempt < 100 && server.context.limits.inFlight() > 0; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    const taken = await request('/api/agents/echo/chat', { key: bob, json: { message: 'hi' } })
    expect(taken.status).toBe(200)
    expect((await taken.json()).output).toBe('fast')
    expect(server.context.limits.inFlight()).toBe(0)
  })

  it('checks the option: a positive integer', async () => {
    await expect(startServer({ limits: { processConcurrentRuns: 0 } })).rejects.toThrow(
      'limits.processConcurrentRuns must be a positive integer',
    )
  })
})
