// MCP over Streamable HTTP on 127.0.0.1, both ways, with the official packages on the other side:
// createMcpHttpHandler mounted on a small Hono app (what the HTTP server mounts at /mcp) driven by
// the official client, and connectMcpServer against a server made with the official
// createMcpHandler; then our client against our server, inside an agent run.
import { request as httpRequest } from 'node:http'
import { type AddressInfo, createServer } from 'node:net'
import { serve } from '@hono/node-server'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { createMcpHandler } from '@modelcontextprotocol/server'
import { Agent, run } from 'agentloop'
import { connectMcpServer, createMcpHttpHandler, McpConnectionError } from 'agentloop/mcp'
import { scriptedModel } from 'agentloop/testing'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixtureServer } from './support/mcp-fixture-server.js'
import { buildRuntime } from './support/mcp-serve-agents.js'
import { recordWireProgress } from './support/mcp-progress.js'

const KEY = 'test-key-0123456789'
const OTHER_KEY = 'other-key-0123456789'
const OWNERS: Record<string, string> = { [`Bearer ${KEY}`]: 'alice', [`Bearer ${OTHER_KEY}`]: 'bob' }
let base = ''
let close: () => Promise<void>

beforeAll(async () => {
  const agents = await createMcpHttpHandler(buildRuntime(), {
    name: 'agents-over-http',
    authenticate: (request) => {
      const owner = OWNERS[request.headers.get('authorization') ?? '']
      return owner === undefined ? undefined : { id: owner }
    },
    allowedHosts: ['127.0.0.1', 'localhost'],
  })
  const official = createMcpHandler(() => fixtureServer())
  const app = new Hono()
  app.all('/mcp', (c) => agents.fetch(c.req.raw))
  app.all('/fixture/mcp', (c) => official.fetch(c.req.raw))
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  close = async () => {
    await agents.close()
    await official.close()
    await new Promise((resolve) => server.close(resolve))
  }
})

afterAll(async () => {
  await close?.()
})

async function officialClient(headers: Record<string, string>): Promise<Client & { wireProgress: string[] }> {
  const client = new Client({ name: 'official-client', version: '1.0.0' })
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } })
  await client.connect(transport)
  return Object.assign(client, { wireProgress: recordWireProgress(transport) })
}

describe('createMcpHttpHandler (official client over HTTP)', () => {
  it('serves the agents to a client with a valid key: final text, structuredContent and progress', async () => {
    const client = await officialClient({ Authorization: `Bearer ${KEY}` })
    try {
      const { tools } = await client.listTools()
      expect(tools.map((entry) => entry.name)).toEqual(['echo', 'weather', 'sleeper', 'broken'])
      const progress: string[] = []
      const echoed = await client.callTool(
        { name: 'echo', arguments: { input: 'over http' } },
        { onprogress: (event) => progress.push(event.message ?? '') },
      )
      expect(echoed.content).toEqual([{ type: 'text', text: 'You said: over http (message 1)' }])
      // Sent before the result (on the wire); onprogress saw a prefix (see support/mcp-progress.ts).
      expect(client.wireProgress).toEqual(['turn 1', 'run completed'])
      expect(progress).toEqual(client.wireProgress.slice(0, progress.length))
      const weather = await client.callTool({ name: 'weather', arguments: { input: 'Oslo?' } })
      expect(weather.structuredContent).toEqual({ city: 'Oslo', tempC: 4 })
    } finally {
      await client.close()
    }
  })

  it('answers 401 without a valid key, before any MCP handling', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const response = await fetch(`${base}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      })
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({
        error: { type: 'unauthorized', message: 'Send a valid API key: Authorization: Bearer <key>.' },
      })
    }
    await expect(officialClient({})).rejects.toThrow()
  })

  it('rejects a request for another host name (DNS rebinding)', async () => {
    // fetch cannot set Host: send the request with node:http
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest(`${base}/mcp`, {
        method: 'POST',
        headers: { host: 'evil.example', 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      })
      request.on('response', (response) => {
        response.resume()
        resolve(response.statusCode)
      })
      request.on('error', reject)
      request.end('{}')
    })
    expect(status).toBe(403)
  })

  it('keeps sessions per caller: the same sessionId of another key is another conversation', async () => {
    const alice = await officialClient({ Authorization: `Bearer ${KEY}` })
    const bob = await officialClient({ Authorization: `Bearer ${OTHER_KEY}` })
    try {
      const call = (client: Client, input: string) =>
        client.callTool({ name: 'echo', arguments: { input, sessionId: 'shared' } })
      expect((await call(alice, 'a')).content).toEqual([{ type: 'text', text: 'You said: a (message 1)' }])
      expect((await call(alice, 'b')).content).toEqual([{ type: 'text', text: 'You said: b (message 2)' }])
      expect((await call(bob, 'c')).content).toEqual([{ type: 'text', text: 'You said: c (message 1)' }])
    } finally {
      await alice.close()
      await bob.close()
    }
  })
})

describe('connectMcpServer over Streamable HTTP', () => {
  it('uses the tools of a server made with the official createMcpHandler in an agent run', async () => {
    const mcp = await connectMcpServer({ name: 'fixture', url: `${base}/fixture/mcp` })
    try {
      const model = scriptedModel([
        { toolCalls: [{ name: 'add', arguments: { a: 20, b: 22, note: null } }] },
        (request) => ({ text: `got ${String(request.messages.at(-1)?.content)}` }),
      ])
      const result = await run(new Agent({ name: 'calc', model, tools: [mcp] }), 'add them')
      expect(result.output).toBe('got 42')
      expect((await mcp.readResource('notes://today')).contents[0]).toMatchObject({ text: 'Buy milk.' })
    } finally {
      await mcp.close()
    }
  })

  it('our client and our server: an agent calls another runtime’s agent as an MCP tool', async () => {
    const remote = await connectMcpServer({
      name: 'remote',
      url: `${base}/mcp`,
      headers: { Authorization: `Bearer ${KEY}` },
      toolNamePrefix: 'remote_',
      include: ['weather'],
    })
    try {
      expect(remote.tools().map((entry) => entry.name)).toEqual(['remote_weather'])
      const model = scriptedModel([
        { toolCalls: [{ name: 'remote_weather', arguments: { input: 'Oslo', sessionId: null } }] },
        (request) => ({ text: String(request.messages.at(-1)?.content) }),
      ])
      const result = await run(new Agent({ name: 'front', model, tools: [remote] }), 'weather?')
      expect(JSON.parse(String(result.output))).toEqual({ city: 'Oslo', tempC: 4 })
    } finally {
      await remote.close()
    }
  })

  it('says clearly when the server is not reachable or refuses the key', async () => {
    const port = await closedPort()
    const unreachable = connectMcpServer({
      name: 'down',
      url: `http://127.0.0.1:${port}/mcp`,
      connectTimeoutMs: 5_000,
    })
    await expect(unreachable).rejects.toBeInstanceOf(McpConnectionError)
    await expect(unreachable).rejects.toThrow(
      /^MCP server "down" at http:\/\/127\.0\.0\.1:\d+\/mcp is not reachable \(fetch failed.*ECONNREFUSED.*\)\. Check the URL and that the server is running\.$/,
    )
    const refused = connectMcpServer({
      name: 'locked',
      url: `${base}/mcp`,
      headers: { Authorization: 'Bearer nope' },
    })
    await expect(refused).rejects.toThrow(
      /^MCP server "locked" at .* refused the MCP handshake \(.*401.*\)\. Check the URL/,
    )
  })
})

/** A port nothing listens on: one the system gave out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
