import { Agent, createMemoryStorage, createModelRegistry, ModelError, Runtime } from 'agentloop'
import { createCircuitBreakers } from 'agentloop/config'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { startServer } from './support/server.js'

// The providers' circuit breakers as the server shows them: /health for anyone, the admin routes
// for a key with the admin scope, over real HTTP.

const READ_KEY = 'test-read-only-key-0123456789'
const overloaded = new ModelError({
  provider: 'acme',
  statusCode: 503,
  isRetryable: true,
  message: 'acme request failed (status 503): overloaded.',
})

async function serverWithOpenCircuit() {
  const breakers = createCircuitBreakers({ consecutiveFailures: 1, halfOpenAfterMs: 60_000 })
  const model = scriptedModel([{ error: overloaded }, { text: 'back' }], { provider: 'acme' })
  const runtime = new Runtime({
    storage: createMemoryStorage(),
    models: createModelRegistry({ builtins: false, providers: { acme: () => model }, wrap: breakers.wrap }),
  })
  const agent = new Agent({ name: 'helper', instructions: 'Help.', model: 'acme:m1' })
  const test = await startServer({
    runtime,
    agents: [agent],
    circuitBreakers: breakers,
    apiKeys: ['test-admin-key-0123456789abcdef', { key: READ_KEY, owner: 'default', scopes: ['read'] }],
  })
  // One failed model call opens the circuit of provider "acme".
  await expect(runtime.run(agent, 'Hi')).rejects.toThrow(/overloaded/)
  return { test, breakers, runtime, agent }
}

describe('circuit breakers on the server', () => {
  it('GET /health shows each circuit; an open one leaves the server ready', async () => {
    const { test } = await serverWithOpenCircuit()
    const health = await test.request('/health', { key: null })
    expect(health.status).toBe(200)
    const body = await health.json()
    expect(body.status).toBe('ok')
    expect(body.circuits).toEqual([
      expect.objectContaining({
        key: 'acme',
        provider: 'acme',
        state: 'open',
        consecutiveFailures: 1,
        retryAt: expect.any(String),
        lastFailure: expect.objectContaining({ statusCode: 503, message: overloaded.message }),
      }),
    ])
    expect((await test.request('/health/ready', { key: null })).status).toBe(200)
  })

  it('lists circuits and resets one for an admin; refuses other keys; 404 for an unknown circuit', async () => {
    const { test, runtime, agent } = await serverWithOpenCircuit()
    expect((await test.request('/api/admin/circuits', { key: READ_KEY })).status).toBe(403)
    expect(
      (await test.request('/api/admin/circuits/acme/reset', { method: 'POST', key: READ_KEY })).status,
    ).toBe(403)
    expect((await test.request('/api/admin/circuits/acme/reset', { method: 'POST', key: null })).status).toBe(
      401,
    )

    const listed = await test.request('/api/admin/circuits')
    expect(listed.status).toBe(200)
    expect((await listed.json()).circuits.map((circuit: { state: string }) => circuit.state)).toEqual([
      'open',
    ])
    await expect(runtime.run(agent, 'Hi')).rejects.toThrow(/Circuit open for acme/)

    const reset = await test.request('/api/admin/circuits/acme/reset', { method: 'POST' })
    expect(reset.status).toBe(200)
    expect(await reset.json()).toMatchObject({ key: 'acme', state: 'closed', consecutiveFailures: 0 })
    expect(
      test.logs.some((line) => line.msg === 'circuit reset by an admin' && line.circuit === 'acme'),
    ).toBe(true)
    expect((await runtime.run(agent, 'Hi')).output).toBe('back')

    const unknown = await test.request(
      `/api/admin/circuits/${encodeURIComponent('openai@https://api.openai.com/v1')}/reset`,
      {
        method: 'POST',
      },
    )
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error.message).toBe(
      'There is no circuit "openai@https://api.openai.com/v1".',
    )
  })

  it('a chat completion while the circuit is open answers 503 with the breaker Retry-After', async () => {
    const { test } = await serverWithOpenCircuit()
    const response = await test.request('/v1/chat/completions', {
      json: { model: 'helper', messages: [{ role: 'user', content: 'Hi' }] },
    })
    expect(response.status).toBe(503)
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(50)
    expect(Number(response.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    const body = await response.json()
    expect(body.error.message).toContain('Circuit open for acme')
  })

  it('without circuit breakers: /health has no circuits and the admin routes answer 404', async () => {
    const test = await startServer()
    expect((await (await test.request('/health', { key: null })).json()).circuits).toBeUndefined()
    const listed = await test.request('/api/admin/circuits')
    expect(listed.status).toBe(404)
    expect((await listed.json()).error.message).toContain('This server has no circuit breakers')
  })
})
