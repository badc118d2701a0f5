import { createHash } from 'node:crypto'
import { Agent, createMemoryStorage, Runtime } from 'agentloop'
import { storageDriverOf } from 'agentloop/storage'
import { scriptedModel } from 'agentloop/testing'
import { bindWorkflow } from 'agentloop/workflows'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_KEY, startServer } from './support/server.js'
import { reviewWorkflow } from './support/workflow-server.js'

const COLLECTIONS = [
  'server.api-key',
  'server.agent',
  'server.provider',
  'server.owner',
  'session',
  'session-branch',
  'session-message',
  'run',
  'run-checkpoint',
  'run-part',
  'run-event',
]

const REQUESTS = Number(process.env.SERVER_FUZZ_REQUESTS ?? 5000)

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeAll(() => process.on('unhandledRejection', onUnhandled))
afterAll(() => process.off('unhandledRejection', onUnhandled))

/** A value for a path parameter: ids that exist, hostile strings, encodings. */
const pathValue = fc.oneof(
  fc.constantFrom(
    'calc',
    'review',
    'paused-run',
    'main',
    'x',
    '..',
    '%2e%2e',
    '%00',
    'a'.repeat(300),
    '%F0%9F%92%A9',
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 40 }).map((text) => encodeURIComponent(text)),
  fc.uuid(),
)

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '',
    '{',
    '{"message":',
    'null',
    '[]',
    '{"__proto__":{"admin":true}}',
    '{"message":"hi","stream":"yes"}',
  ),
  fc
    .record(
      {
        message: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        model: fc.oneof(fc.constant('calc'), fc.string()),
        messages: fc.oneof(
          fc.array(
            fc.record({
              role: fc.constantFrom('user', 'system', 'tool', 'assistant', 'x'),
              content: fc.oneof(fc.string(), fc.integer()),
            }),
          ),
          fc.string(),
        ),
        name: fc.string(),
        instructions: fc.oneof(fc.string(), fc.integer()),
        scopes: fc.array(fc.string()),
        owner: fc.string(),
        type: fc.string(),
        branchId: fc.string(),
        stream: fc.oneof(fc.boolean(), fc.string()),
        tools: fc.array(fc.jsonValue({ maxDepth: 2 })),
        apiKey: fc.string(),
        expiresAt: fc.oneof(fc.string(), fc.integer()),
        input: fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.record({ amount: fc.oneof(fc.integer(), fc.string()) }),
          fc.constant({ ask: 'yes' }),
        ),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
)

const headers = fc.record(
  {
    'Content-Type': fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-16',
      '',
    ),
    Authorization: fc.oneof(
      fc.constant(`Bearer ${ADMIN_KEY}`),
      fc.constant('Bearer '),
      fc.constant('Basic abc'),
      fc.constant('Bearer al_AAAAAAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'),
      fc.string({ maxLength: 60 }).map((text) => `Bearer ${text.replace(/[^\x21-\x7e]/g, '')}`),
    ),
    'Last-Event-ID': fc.oneof(
      fc.integer().map(String),
      fc.string({ maxLength: 20 }).map((text) => text.replace(/[^\x20-\x7e]/g, '')),
    ),
    'X-Request-Id': fc.string({ maxLength: 300 }).map((text) => text.replace(/[^\x20-\x7e]/g, '')),
  },
  { requiredKeys: ['Authorization'] },
)

const query = fc.dictionary(
  fc.constantFrom('limit', 'cursor', 'owner', 'branchId', 'after', 'status', 'agent', 'cancelOnDisconnect'),
  fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constant('-1'), fc.constant('1e9')),
  { maxKeys: 3 },
)

describe('server: fuzz of every route', () => {
  it(`answers ${REQUESTS} invalid or hostile requests without a 5xx, an unhandled rejection, or a change to storage from a rejected request`, async () => {
    const storage = createMemoryStorage()
    const model = scriptedModel(Array.from({ length: REQUESTS * 2 }, () => ({ text: 'ok' })))
    const calc = new Agent({ name: 'calc', instructions: 'Answer.', model })
    const runtime = new Runtime({ storage, agents: [calc] })
    // A workflow that pauses at a human node, so run and resume routes reach past validation.
    runtime.register(bindWorkflow(reviewWorkflow))
    const { request, url } = await startServer({
      runtime,
      agents: [calc],
      limits: { requestsPerMinute: 1_000_000, concurrentRuns: 1000 },
      logger: { level: 'silent' },
    })
    const document = await (await request('/openapi.json', { key: null })).json()
    const routes = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })),
    )
    // A session that exists, so some paths reach deeper code.
    await request('/api/sessions', { json: { messages: [{ role: 'user', content: 'hi' }] } })
    // A workflow run paused at its human node, for POST /api/runs/{runId}/resume.
    await runtime.submit('review', '{"amount":1}', { runId: 'paused-run' })
    await runtime.wait('paused-run')
    const driver = storageDriverOf(storage)
    const fingerprint = async () => {
      const hash = createHash('sha256')
      for (const collection of COLLECTIONS) hash.update(JSON.stringify(await driver?.list(collection)))
      return hash.digest('hex')
    }
    let before = await fingerprint()
    const statuses = new Map<number, number>()
    let sent = 0
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: routes.length - 1 }),
        fc.array(pathValue, { minLength: 3, maxLength: 3 }),
        query,
        headers,
        fc.option(body, { nil: undefined }),
        async (routeIndex, values, search, requestHeaders, requestBody) => {
          const route = routes[routeIndex] as { method: string; path: string }
          let position = 0
          const path = route.path.replace(/\{\w+\}/g, () => values[position++] as string)
          const target = `${url}${path}?${new URLSearchParams(search)}`
          const clean = Object.fromEntries(Object.entries(requestHeaders).filter(([, value]) => value !== ''))
          const response = await fetch(target, {
            method: route.method,
            headers: clean,
            ...(route.method === 'GET' || requestBody === undefined ? {} : { body: requestBody }),
          })
          await response.arrayBuffer()
          sent++
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
          expect(response.status, `${route.method} ${path}`).toBeLessThan(500)
          const after = await fingerprint()
          if (response.status >= 400)
            expect(after, `${route.method} ${path} ${response.status} changed storage`).toBe(before)
          before = after
        },
      ),
      { numRuns: REQUESTS, seed: Number(process.env.SERVER_FUZZ_SEED ?? 15) },
    )
    expect(sent).toBe(REQUESTS)
    expect(unhandled).toEqual([])
    // The fuzz reached past validation too: some requests were accepted.
    expect([...statuses.keys()].some((status) => status < 300)).toBe(true)
    expect(statuses.get(422)).toBeGreaterThan(0)
  }, 300_000)
})
