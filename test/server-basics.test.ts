import { createMemoryStorage, Runtime } from 'agentloop'
import { createApiKeyStore, createServer } from 'agentloop/server'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, startServer } from './support/server.js'

describe('server: skeleton over real HTTP', () => {
  it('answers health, liveness and readiness without a key, with a request id on the response and the log line', async () => {
    const { request, logs } = await startServer()
    const live = await request('/health/live', { key: null })
    expect(live.status).toBe(200)
    expect(await live.json()).toEqual({ status: 'ok' })
    const requestId = live.headers.get('X-Request-Id')
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
    const ready = await request('/health/ready', { key: null })
    expect(ready.status).toBe(200)
    const body = await ready.json()
    expect(body).toMatchObject({ status: 'ok', storage: 'memory', checks: { storage: { ok: true } } })
    const health = await request('/health', { key: null })
    expect(health.status).toBe(200)
    expect(logs.find((line) => line.requestId === requestId)).toMatchObject({
      path: '/health/live',
      status: 200,
    })
  })

  it('fails readiness when a dependency does not answer, and while shutting down', async () => {
    const failing = await startServer({
      readinessChecks: { redis: () => Promise.reject(new Error('connection refused')) },
    })
    const notReady = await failing.request('/health/ready', { key: null })
    expect(notReady.status).toBe(503)
    expect(await notReady.json()).toMatchObject({
      status: 'unavailable',
      checks: { redis: { ok: false, error: 'connection refused' } },
    })
    const { server, request } = await startServer()
    server.context.draining = true
    const draining = await request('/health/ready', { key: null })
    expect(draining.status).toBe(503)
    expect((await draining.json()).status).toBe('draining')
  })

  it('sets secure headers and sends no CORS headers unless configured', async () => {
    const { request } = await startServer()
    const response = await request('/health/live', { key: null, headers: { Origin: 'https://evil.example' } })
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff')
    expect(response.headers.get('X-Frame-Options')).toBe('SAMEORIGIN')
    expect(response.headers.get('Access-Control-Allow-Origin')).toBeNull()
    const withCors = await startServer({ cors: { origins: ['https://app.example'] } })
    const allowed = await withCors.request('/health/live', {
      key: null,
      headers: { Origin: 'https://app.example' },
    })
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example')
    const other = await withCors.request('/health/live', {
      key: null,
      headers: { Origin: 'https://evil.example' },
    })
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull()
  })

  it('answers errors as { error: { type, message } }: 401, 403, 404, 413, 400, 422 naming the field', async () => {
    const { request, logs } = await startServer({ bodyLimitBytes: 2048 })
    const missing = await request('/api/keys', { key: null })
    expect(missing.status).toBe(401)
    expect(missing.headers.get('WWW-Authenticate')).toBe('Bearer')
    expect((await missing.json()).error).toMatchObject({ type: 'unauthorized' })
    const wrong = await request('/api/keys', { key: 'not-a-key-at-all-0000000' })
    expect(wrong.status).toBe(401)
    expect((await wrong.json()).error.message).toBe('The API key is unknown, revoked or expired.')
    const unknownRoute = await request('/api/nothing-here')
    expect(unknownRoute.status).toBe(404)
    expect((await unknownRoute.json()).error.type).toBe('not_found')
    const big = await request('/api/keys', { json: { name: 'x'.repeat(5000) } })
    expect(big.status).toBe(413)
    expect((await big.json()).error.type).toBe('payload_too_large')
    const malformed = await request('/api/keys', {
      method: 'POST',
      body: '{"owner":',
      headers: { 'Content-Type': 'application/json' },
    })
    expect(malformed.status).toBe(400)
    expect((await malformed.json()).error.type).toBe('invalid_json')
    const invalid = await request('/api/keys', { json: { scopes: ['read', 'fly'] } })
    expect(invalid.status).toBe(422)
    const error = (await invalid.json()).error
    expect(error).toMatchObject({ type: 'invalid_request', field: 'body.scopes[1]' })
    expect(error.message).toContain('body.scopes[1]')
    const reader = await createKeyFor(request, ['read'])
    const forbidden = await request('/api/keys', { key: reader })
    expect(forbidden.status).toBe(403)
    // no key, configured or created, reaches a log line
    const logText = JSON.stringify(logs)
    expect(logText).not.toContain(ADMIN_KEY)
    expect(logText).not.toContain(reader)
    expect(logs.some((line) => line.keyId === 'config:0')).toBe(true)
    expect((await forbidden.json()).error.message).toContain('"admin" scope')
  })

  it('serves a valid OpenAPI 3.1 document and an offline docs page that renders it', async () => {
    const { request } = await startServer()
    const document = await (await request('/openapi.json', { key: null })).json()
    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(document.paths)).toContain('/health/ready')
    const page = await request('/docs', { key: null })
    expect(page.headers.get('Content-Type')).toContain('text/html')
    const html = await page.text()
    expect(html).toContain('/openapi.json')
    expect(html).not.toMatch(/https?:\/\//)
    expect(page.headers.get('Content-Security-Policy')).toContain("default-src 'self'")
    const script = await request('/docs/docs.js', { key: null })
    expect(script.headers.get('Content-Type')).toContain('javascript')
    expect(await script.text()).toContain('fetch(main.dataset.spec)')
  })

  it('refuses unknown options and the unauthenticated mode off loopback', () => {
    const runtime = new Runtime()
    expect(() => createServer({ runtime, apiKey: 'x' } as never)).toThrow(
      /unknown option "apiKey". Did you mean "apiKeys"/,
    )
    expect(() => createServer({ runtime, auth: 'none', hostname: '0.0.0.0' })).toThrow(
      /binds to 127.0.0.1 only/,
    )
    expect(() => createServer({ runtime, apiKeys: ['short'] })).toThrow(/at least 16 characters/)
  })

  it('serves the unauthenticated local mode on 127.0.0.1 only, as owner default with every scope', async () => {
    const { request, listening } = await startServer({ auth: 'none' })
    expect(listening.hostname).toBe('127.0.0.1')
    const response = await request('/api/meta/rate-limit-status', { key: null })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ keyId: 'local', owner: 'default' })
  })
})

async function createKeyFor(
  request: Awaited<ReturnType<typeof startServer>>['request'],
  scopes: string[],
  owner?: string,
): Promise<string> {
  const response = await request('/api/keys', { json: { scopes, ...(owner === undefined ? {} : { owner }) } })
  expect(response.status).toBe(201)
  return (await response.json()).key
}

describe('server: API keys', () => {
  it('creates keys (shown once), stores only a digest, lists them without secrets, and revokes them at once', async () => {
    const storage = createMemoryStorage()
    const { request } = await startServer({ runtime: new Runtime({ storage }) })
    const created = await request('/api/keys', {
      json: { owner: 'team-a', scopes: ['read', 'run'], name: 'ci' },
    })
    expect(created.status).toBe(201)
    const { key, info } = await created.json()
    expect(key).toMatch(/^al_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$/)
    expect(info).toMatchObject({ owner: 'team-a', scopes: ['read', 'run'], name: 'ci' })
    const { storageDriverOf } = await import('agentloop/storage')
    const stored = await storageDriverOf(storage)?.get('server.api-key', info.keyId)
    // the 43 characters after `al_<keyId>_` (the secret may itself contain `_`)
    const secret = key.slice('al_'.length + 16 + 1)
    expect(secret).toHaveLength(43)
    expect(JSON.stringify(stored)).not.toContain(secret)
    expect(stored?.data.digest).toMatch(/^[0-9a-f]{64}$/)
    const status = await request('/api/meta/rate-limit-status', { key })
    expect(await status.json()).toMatchObject({ keyId: info.keyId, owner: 'team-a' })
    const list = await (await request('/api/keys')).json()
    expect(list.keys.map((entry: { keyId: string }) => entry.keyId)).toContain(info.keyId)
    expect(JSON.stringify(list)).not.toContain(secret)
    const ofOwner = await (await request('/api/keys?owner=team-b')).json()
    expect(ofOwner.keys).toEqual([])
    expect((await request(`/api/keys/${info.keyId}`, { method: 'DELETE' })).status).toBe(200)
    expect((await request('/api/meta/rate-limit-status', { key })).status).toBe(401)
    expect((await request('/api/keys/nope', { method: 'DELETE' })).status).toBe(404)
  })

  it('rejects an expired key and a key whose secret differs from the stored one', async () => {
    const storage = createMemoryStorage()
    const keys = createApiKeyStore(storage)
    const { key } = await keys.create({ owner: 'o', expiresAt: Date.now() + 60_000 })
    expect(await keys.verify(key)).toMatchObject({ owner: 'o' })
    expect(await keys.verify(key, Date.now() + 120_000)).toBeNull()
    const tampered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`
    expect(await keys.verify(tampered)).toBeNull()
    await expect(keys.create({ scopes: ['root' as never] })).rejects.toThrow(/"root", which is not a scope/)
    await expect(keys.create({ expiresAt: Date.now() - 1 })).rejects.toThrow(/in the future/)
  })

  it('accepts configured keys with an owner and scopes', async () => {
    const { request } = await startServer({
      apiKeys: [ADMIN_KEY, { key: 'reader-key-0123456789abcdef', owner: 'team-r', scopes: ['read'] }],
    })
    const status = await request('/api/meta/rate-limit-status', { key: 'reader-key-0123456789abcdef' })
    expect(await status.json()).toMatchObject({ keyId: 'config:1', owner: 'team-r' })
    expect((await request('/api/keys', { key: 'reader-key-0123456789abcdef' })).status).toBe(403)
  })
})

describe('server: rate limits', () => {
  it('sends IETF RateLimit-Policy/RateLimit and X-RateLimit-* headers, then 429 with Retry-After', async () => {
    const { request } = await startServer({ limits: { requestsPerMinute: 3 } })
    const first = await request('/api/meta/rate-limit-status')
    expect(first.headers.get('RateLimit-Policy')).toBe('"default";q=3;w=60')
    expect(first.headers.get('RateLimit')).toMatch(/^"default";r=2;t=\d+$/)
    expect(first.headers.get('X-RateLimit-Remaining')).toBe('2')
    expect(Number(first.headers.get('X-RateLimit-Reset'))).toBeGreaterThan(Date.now() / 1000)
    const status = await first.json()
    expect(status.requests).toMatchObject({ limit: 3, remaining: 2, windowSeconds: 60 })
    await request('/api/meta/rate-limit-status')
    const third = await request('/api/meta/rate-limit-status')
    expect(third.headers.get('X-RateLimit-Remaining')).toBe('0')
    const refused = await request('/api/meta/rate-limit-status')
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1)
    expect(refused.headers.get('RateLimit')).toMatch(/^"default";r=0;t=\d+$/)
    expect((await refused.json()).error.type).toBe('rate_limited')
    // Every /api route counts against the same key.
    const other = await request('/api/keys', { json: {} })
    expect(other.status).toBe(429)
    // health is never limited
    expect((await request('/health/live', { key: null })).status).toBe(200)
  })
})
