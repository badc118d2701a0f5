/**
 * Two owners against every route that takes an id: objects created with owner A's key, then
 * every such route of GET /openapi.json called with owner B's key. B must never read nor change
 * A's objects (404 for owned objects, never 403; 403 only where the route needs a scope B lacks,
 * the same for an id that exists and one that does not), and nothing stored may change. A route
 * with a path parameter that is not in the table fails the test: a new route cannot skip it.
 */
import { Agent, createMemoryStorage, Runtime } from 'agentloop'
import { createSpend } from 'agentloop/server'
import { scriptedModel } from 'agentloop/testing'
import { bindWorkflow, workflow } from 'agentloop/workflows'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, startServer } from './support/server.js'

const ADMIN_A = 'team-a-admin-key-0123456789abcd'
const KEY_A = 'team-a-run-key-0123456789abcdef'
const KEY_B = 'team-b-run-key-0123456789abcdef'
/** A workflow registered in code: server-wide, run by any key with the `run` scope. */
const SHARED_FLOW = 'shared-flow'
const apiKeys = [
  ADMIN_KEY,
  { key: ADMIN_A, owner: 'team-a', scopes: ['admin'] as const },
  { key: KEY_A, owner: 'team-a', scopes: ['read', 'run'] as const },
  { key: KEY_B, owner: 'team-b', scopes: ['read', 'run'] as const },
]

/** A's objects, by the names the table uses. */
interface Ids {
  agent: string
  codeAgent: string
  provider: string
  sessionId: string
  messageId: string
  branchId: string
  runId: string
  keyId: string
  owner: string
  circuit: string
  workflow: string
}

/**
 * Every route with a path parameter: the parameters (A's objects), a valid body (so the ownership
 * check is reached, not validation), and what B must get: `owned` routes answer 404; `admin`
 * routes answer B's missing scope (403) alike for existing and unknown ids; `shared` routes
 * (objects registered in code, readable by every key with the scope) answer B, and 404 for an
 * unknown id.
 */
const TABLE: Record<
  string,
  {
    params: (ids: Ids) => Record<string, string>
    body?: (ids: Ids) => unknown
    kind: 'owned' | 'admin' | 'shared'
  }
> = {
  'DELETE /api/keys/{keyId}': { params: (ids) => ({ keyId: ids.keyId }), kind: 'admin' },
  'GET /api/keys/{keyId}/budget': { params: (ids) => ({ keyId: ids.keyId }), kind: 'owned' },
  'PUT /api/keys/{keyId}/budget': {
    params: (ids) => ({ keyId: ids.keyId }),
    body: () => ({ tokensPerDay: 1 }),
    kind: 'admin',
  },
  'DELETE /api/keys/{keyId}/budget': { params: (ids) => ({ keyId: ids.keyId }), kind: 'admin' },
  'GET /api/owners/{owner}/budget': { params: (ids) => ({ owner: ids.owner }), kind: 'owned' },
  'PUT /api/owners/{owner}/budget': {
    params: (ids) => ({ owner: ids.owner }),
    body: () => ({ tokensPerDay: 1 }),
    kind: 'admin',
  },
  'DELETE /api/owners/{owner}/budget': { params: (ids) => ({ owner: ids.owner }), kind: 'admin' },
  'POST /api/admin/circuits/{key}/reset': { params: (ids) => ({ key: ids.circuit }), kind: 'admin' },
  'GET /api/agents/{name}': { params: (ids) => ({ name: ids.agent }), kind: 'owned' },
  'DELETE /api/agents/{name}': { params: (ids) => ({ name: ids.agent }), kind: 'owned' },
  'POST /api/agents/{name}/chat': {
    params: (ids) => ({ name: ids.agent }),
    body: () => ({ message: 'hi' }),
    kind: 'owned',
  },
  'GET /api/providers/{name}': { params: (ids) => ({ name: ids.provider }), kind: 'owned' },
  'DELETE /api/providers/{name}': { params: (ids) => ({ name: ids.provider }), kind: 'admin' },
  'GET /api/sessions/{sessionId}': { params: (ids) => ({ sessionId: ids.sessionId }), kind: 'owned' },
  'DELETE /api/sessions/{sessionId}': { params: (ids) => ({ sessionId: ids.sessionId }), kind: 'owned' },
  'GET /api/sessions/{sessionId}/messages': {
    params: (ids) => ({ sessionId: ids.sessionId }),
    kind: 'owned',
  },
  'POST /api/sessions/{sessionId}/messages/{messageId}/edit': {
    params: (ids) => ({ sessionId: ids.sessionId, messageId: ids.messageId }),
    body: () => ({ message: { role: 'user', content: 'changed by B' } }),
    kind: 'owned',
  },
  'POST /api/sessions/{sessionId}/messages/{messageId}/regenerate': {
    params: (ids) => ({ sessionId: ids.sessionId, messageId: ids.messageId }),
    body: () => ({}),
    kind: 'owned',
  },
  'POST /api/sessions/{sessionId}/fork': {
    params: (ids) => ({ sessionId: ids.sessionId }),
    body: () => ({}),
    kind: 'owned',
  },
  'POST /api/sessions/{sessionId}/switch': {
    params: (ids) => ({ sessionId: ids.sessionId }),
    body: (ids) => ({ branchId: ids.branchId }),
    kind: 'owned',
  },
  'GET /api/runs/{runId}': { params: (ids) => ({ runId: ids.runId }), kind: 'owned' },
  'POST /api/runs/{runId}/cancel': { params: (ids) => ({ runId: ids.runId }), kind: 'owned' },
  'POST /api/runs/{runId}/approvals': {
    params: (ids) => ({ runId: ids.runId }),
    body: () => ({ approvals: [{ callId: 'call-1', approve: true }] }),
    kind: 'owned',
  },
  'POST /api/runs/{runId}/resume': {
    params: (ids) => ({ runId: ids.runId }),
    body: () => ({ maxTokens: 10 }),
    kind: 'owned',
  },
  'GET /api/runs/{runId}/events': { params: (ids) => ({ runId: ids.runId }), kind: 'owned' },
  'GET /api/runs/{runId}/requests': { params: (ids) => ({ runId: ids.runId }), kind: 'owned' },
  'GET /api/workflows/{name}': { params: (ids) => ({ name: ids.workflow }), kind: 'shared' },
  'POST /api/workflows/{name}/runs': {
    params: (ids) => ({ name: ids.workflow }),
    body: () => ({ input: {} }),
    kind: 'shared',
  },
}

/** Ids that exist nowhere, for the same routes (the answer must not tell them apart). */
const UNKNOWN: Ids = {
  agent: 'no-such-agent',
  codeAgent: 'no-such-agent',
  provider: 'no-such-provider',
  sessionId: 'no-such-session',
  messageId: 'no-such-message',
  branchId: 'no-such-branch',
  runId: 'no-such-run',
  keyId: 'nosuchkey0000000',
  owner: 'no-such-owner',
  circuit: 'no-such-circuit',
  workflow: 'no-such-workflow',
}

async function setup() {
  const storage = createMemoryStorage()
  const spend = createSpend({ storage })
  const model = () => scriptedModel(Array.from({ length: 20 }, () => ({ text: 'ok' })))
  const codeAgent = new Agent({ name: 'shared', model: model() })
  const runtime = new Runtime({
    storage,
    agents: [codeAgent],
    models: { fake: () => model() },
    observers: [spend],
    hooks: [spend.hooks],
  })
  runtime.register(
    bindWorkflow(
      workflow(SHARED_FLOW)
        .node('start', { type: 'start' })
        .node('end', { type: 'end' })
        .edge('start', 'end')
        .build(),
    ),
  )
  const server = await startServer({
    runtime,
    agents: [codeAgent],
    spend,
    apiKeys,
    secret: 'a-server-secret-of-at-least-32-characters',
  })
  const { request } = server
  const ok = async (path: string, init: Parameters<typeof request>[1], status = 200) => {
    const response = await request(path, init)
    expect(response.status, `${init?.method ?? 'GET'} ${path}`).toBe(status)
    return response.json()
  }
  // A's objects: a stored agent and provider, a session with a message, a run in it, a stored key, budgets.
  await ok(
    '/api/agents',
    { key: KEY_A, json: { name: 'a-agent', instructions: 'Be brief.', model: 'fake:x' } },
    201,
  )
  await ok(
    '/api/providers',
    { key: ADMIN_A, json: { name: 'a-provider', type: 'openai-chat', baseURL: 'http://127.0.0.1:9/v1' } },
    201,
  )
  const session = await ok(
    '/api/sessions',
    { key: KEY_A, json: { title: 'A', messages: [{ role: 'user', content: 'hello' }] } },
    201,
  )
  const chat = await ok('/api/agents/a-agent/chat', {
    key: KEY_A,
    json: { message: 'hi', sessionId: session.sessionId },
  })
  expect(chat.status).toBe('completed')
  const messages = await ok(`/api/sessions/${session.sessionId}/messages`, { key: KEY_A })
  const created = await ok('/api/keys', { key: ADMIN_A, json: { owner: 'team-a', name: 'a-key' } }, 201)
  await ok('/api/owners/team-a/budget', { key: ADMIN_A, method: 'PUT', json: { tokensPerDay: 1_000_000 } })
  await ok(`/api/keys/${created.info.keyId}/budget`, {
    key: ADMIN_A,
    method: 'PUT',
    json: { tokensPerMonth: 1_000_000 },
  })
  const ids: Ids = {
    agent: 'a-agent',
    codeAgent: 'shared',
    provider: 'a-provider',
    sessionId: session.sessionId,
    messageId: messages.messages[0].id,
    branchId: session.activeBranchId,
    runId: chat.runId,
    keyId: created.info.keyId,
    owner: 'team-a',
    circuit: 'openai:gpt-4o',
    workflow: SHARED_FLOW,
  }
  /** Everything of A's that B could change, read as A's admin. */
  const snapshot = async () => {
    const read = async (path: string) => {
      const response = await request(path, { key: ADMIN_A })
      return { status: response.status, body: await response.json() }
    }
    return {
      agent: await read('/api/agents/a-agent'),
      provider: await read('/api/providers/a-provider'),
      session: await read(`/api/sessions/${ids.sessionId}`),
      messages: await read(`/api/sessions/${ids.sessionId}/messages`),
      sessions: await read('/api/sessions?owner=team-a'),
      run: await read(`/api/runs/${ids.runId}`),
      // B may run the server-wide workflow: its own runs are not A's objects.
      runs: (await storage.runs.page({ kind: 'all', limit: 100 })).runs
        .filter((run) => run.agentName !== SHARED_FLOW)
        .map((run) => [run.runId, run.status, run.revision]),
      keys: await read('/api/keys?owner=team-a'),
      ownerBudget: await read('/api/owners/team-a/budget'),
      keyBudget: await read(`/api/keys/${ids.keyId}/budget`),
      usage: await read('/api/usage?groupBy=run&from=0&to=9999999999999'),
    }
  }
  return { ...server, storage, ids, snapshot }
}

const fill = (path: string, params: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new Error(`the table gives no value for {${name}} of ${path}`)
    return encodeURIComponent(value)
  })

describe('server: two owners, every route that takes an id', () => {
  it('owner B never reads nor changes owner A’s objects (404, never 403; nothing stored changes)', async () => {
    const { request, ids, snapshot, storage } = await setup()
    const document = await (await request('/openapi.json', { key: null })).json()
    const routes: string[] = []
    for (const [path, operations] of Object.entries(document.paths as Record<string, object>)) {
      if (!path.includes('{')) continue
      for (const method of Object.keys(operations)) routes.push(`${method.toUpperCase()} ${path}`)
    }
    // A new route that takes an id must be added to the table, and the table lists only real routes.
    expect(
      routes.filter((route) => !(route in TABLE)),
      'routes with an id missing from the table',
    ).toEqual([])
    expect(
      Object.keys(TABLE).filter((route) => !routes.includes(route)),
      'table rows with no route',
    ).toEqual([])

    const before = await snapshot()
    const auditBefore = (await storage.audit.list({ limit: 10_000 })).length
    for (const route of routes) {
      const entry = TABLE[route] as (typeof TABLE)[string]
      const [method, path] = route.split(' ') as [string, string]
      const call = (which: Ids) =>
        request(fill(path, entry.params(which)), {
          key: KEY_B,
          method,
          ...(entry.body === undefined ? {} : { json: entry.body(which) }),
        })
      const real = await call(ids)
      const unknown = await call(UNKNOWN)
      const realBody = await real.json()
      const unknownBody = await unknown.json()
      if (entry.kind === 'shared') {
        expect(real.status, `${route} with a server-wide name`).toBeLessThan(300)
        expect(unknown.status, `${route} with an unknown name`).toBe(404)
        continue
      }
      const expected = entry.kind === 'owned' ? 404 : 403
      expect(real.status, `${route} with A's id`).toBe(expected)
      expect(unknown.status, `${route} with an unknown id`).toBe(expected)
      expect(realBody.error.type, route).toBe(unknownBody.error.type)
    }
    // Nothing of A's changed, and B's attempts are not admin actions (no cross-owner audit entry).
    expect(await snapshot()).toEqual(before)
    const audit = await storage.audit.list({ limit: 10_000 })
    expect(audit.slice(0, audit.length - auditBefore).filter((entry) => entry.actor === 'config:3')).toEqual(
      [],
    )
  })

  it('ids in bodies and queries, and listings, do not reach the other owner either', async () => {
    const { request, ids } = await setup()
    const as = (path: string, init: Parameters<typeof request>[1] = {}) =>
      request(path, { key: KEY_B, ...init })
    expect(
      (await as('/api/agents/shared/chat', { json: { message: 'hi', sessionId: ids.sessionId } })).status,
    ).toBe(404)
    expect(
      (await as('/api/runs', { json: { agent: 'shared', input: 'hi', sessionId: ids.sessionId } })).status,
    ).toBe(404)
    expect((await as('/api/runs', { json: { agent: ids.agent, input: 'hi' } })).status).toBe(404)
    expect(
      (
        await as('/v1/chat/completions', {
          json: { model: ids.agent, messages: [{ role: 'user', content: 'hi' }] },
        })
      ).status,
    ).toBe(404)
    // The code agent is server-wide: B reads and runs it.
    expect((await as('/api/agents/shared')).status).toBe(200)
    // Listings: none of A's objects.
    const seen = JSON.stringify([
      await (await as('/api/agents')).json(),
      await (await as('/api/providers')).json(),
      await (await as('/api/sessions')).json(),
      await (await as('/api/runs')).json(),
      await (await as('/api/usage?groupBy=run')).json(),
      await (await as(`/api/runs?sessionId=${ids.sessionId}`)).json(),
      await (await as('/v1/models')).json(),
    ])
    for (const id of [ids.agent, ids.provider, ids.sessionId, ids.runId, 'team-a'])
      expect(seen).not.toContain(id)
    expect((await as('/api/sessions?owner=team-a')).status).toBe(403)
    expect((await as('/api/usage?owner=team-a')).status).toBe(403)
  })

  it('admin keys act across owners, and each such access is audited', async () => {
    const { request, ids, storage } = await setup()
    expect((await request(`/api/sessions/${ids.sessionId}`)).status).toBe(200)
    expect((await request(`/api/runs/${ids.runId}`)).status).toBe(200)
    expect((await request('/api/sessions?owner=team-a')).status).toBe(200)
    const entries = await storage.audit.list({ eventType: 'admin.cross_owner' })
    expect(
      entries.map((entry) => [entry.actor, entry.details.kind, entry.details.id, entry.details.owner]),
    ).toEqual(
      expect.arrayContaining([
        ['config:0', 'session', ids.sessionId, 'team-a'],
        ['config:0', 'run', ids.runId, 'team-a'],
        ['config:0', 'sessions', 'team-a', 'team-a'],
      ]),
    )
    // Key creation and revocation are audited too.
    expect((await request(`/api/keys/${ids.keyId}`, { method: 'DELETE' })).status).toBe(200)
    const keyEvents = await storage.audit.list({ limit: 100 })
    expect(
      keyEvents
        .filter((entry) => entry.eventType.startsWith('api_key.'))
        .map((entry) => [entry.eventType, entry.actor]),
    ).toEqual([
      ['api_key.revoked', 'config:0'],
      ['api_key.created', 'config:1'],
    ])
  })
})
