import { compileErrors, validate } from '@readme/openapi-parser'
import { Agent } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { PLAYGROUND_PATHS } from '../src/server/playground-routes.js'
import { startServer } from './support/server.js'

/**
 * Routes served outside the document: the document itself, the docs page's files, the playground's,
 * and the MCP endpoint (`createServer({ mcp: true })`), whose JSON-RPC messages the MCP
 * specification describes, not OpenAPI (docs/server.md says so).
 */
const UNDOCUMENTED = new Set([
  'GET /openapi.json',
  'GET /docs',
  'GET /docs/docs.js',
  'GET /docs/docs.css',
  'GET /mcp',
  'POST /mcp',
  'DELETE /mcp',
  ...PLAYGROUND_PATHS.map((path) => `GET ${path}`),
])

describe('server: the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const { request } = await startServer()
    const document = await (await request('/openapi.json', { key: null })).json()
    const result = await validate(structuredClone(document))
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true)
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
  })

  it('lists exactly the routes the server serves, with security on every /api and /v1 route', async () => {
    const echo = new Agent({ name: 'echo', model: scriptedModel([{ text: 'hi' }]) })
    const { request, server } = await startServer({ agents: [echo], mcp: true })
    const document = await (await request('/openapi.json', { key: null })).json()
    const documented = new Set<string>()
    for (const [path, item] of Object.entries(
      document.paths as Record<string, Record<string, { security?: unknown[] }>>,
    )) {
      for (const [method, operation] of Object.entries(item)) {
        documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)
        if (path.startsWith('/api/') || path.startsWith('/v1/'))
          expect(operation.security, `${method} ${path}`).toEqual([{ bearer: [] }])
        else expect(operation.security, `${method} ${path}`).toBeUndefined()
      }
    }
    const served = new Set(
      server.app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => `${route.method} ${route.path}`)
        .filter((route) => !UNDOCUMENTED.has(route)),
    )
    expect([...served].sort()).toEqual([...documented].sort())
    // the MCP endpoint is served, outside the document
    expect(server.app.routes.some((route) => route.method === 'POST' && route.path === '/mcp')).toBe(true)
    expect(Object.keys(document.paths)).not.toContain('/mcp')
    // every documented route answers (none is a 404 from the router), with a key where needed
    for (const route of documented) {
      const [method, path] = route.split(' ') as [string, string]
      const concrete = path.replace(/:(\w+)/g, 'x')
      const response = await request(concrete, {
        method,
        ...(method === 'GET' || method === 'DELETE' ? {} : { json: {} }),
      })
      const body = response.headers.get('Content-Type')?.includes('json') ? await response.json() : {}
      expect(body?.error?.message ?? '', route).not.toMatch(/^No route/)
      expect(response.status, route).toBeLessThan(500)
    }
  })
})
