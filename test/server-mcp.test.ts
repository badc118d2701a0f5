// The MCP endpoint mounted in the HTTP server (createServer({ mcp: true })): the official MCP
// client over Streamable HTTP on 127.0.0.1, authenticated with the server's API keys.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { describe, expect, it } from 'vitest'
import { buildRuntime } from './support/mcp-serve-agents.js'
import { ADMIN_KEY, startServer } from './support/server.js'
import { recordWireProgress } from './support/mcp-progress.js'

async function officialClient(
  url: string,
  headers: Record<string, string>,
): Promise<Client & { wireProgress: string[] }> {
  const client = new Client({ name: 'official-client', version: '1.0.0' })
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } })
  await client.connect(transport)
  return Object.assign(client, { wireProgress: recordWireProgress(transport) })
}

const listTools = (url: string, headers: Record<string, string>) =>
  fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  })

describe('server: MCP at /mcp', () => {
  it("serves the runtime's agents to the official client with a key of the server (run scope)", async () => {
    const { url, request } = await startServer({ runtime: buildRuntime(), mcp: { name: 'agents-in-server' } })
    const client = await officialClient(url, { Authorization: `Bearer ${ADMIN_KEY}` })
    try {
      expect(client.getServerVersion()?.name).toBe('agents-in-server')
      const { tools } = await client.listTools()
      expect(tools.map((entry) => entry.name)).toEqual(['echo', 'weather', 'sleeper', 'broken'])
      const progress: string[] = []
      const echoed = await client.callTool(
        { name: 'echo', arguments: { input: 'through the server' } },
        { onprogress: (event) => progress.push(event.message ?? '') },
      )
      expect(echoed.content).toEqual([{ type: 'text', text: 'You said: through the server (message 1)' }])
      // Sent before the result (on the wire); onprogress saw a prefix (see support/mcp-progress.ts).
      expect(client.wireProgress).toEqual(['turn 1', 'run completed'])
      expect(progress).toEqual(client.wireProgress.slice(0, progress.length))
    } finally {
      await client.close()
    }
    // a stored key with the run scope works too; one with only read is refused (403)
    const runKey = (await (await request('/api/keys', { json: { owner: 'alice', scopes: ['run'] } })).json())
      .key
    const withRun = await officialClient(url, { Authorization: `Bearer ${runKey}` })
    expect((await withRun.listTools()).tools).toHaveLength(4)
    await withRun.close()
    const readKey = (
      await (await request('/api/keys', { json: { owner: 'alice', scopes: ['read'] } })).json()
    ).key
    const forbidden = await listTools(url, { Authorization: `Bearer ${readKey}` })
    expect(forbidden.status).toBe(403)
    expect(((await forbidden.json()) as { error: { message: string } }).error.message).toContain(
      'lacks the "run" scope',
    )
  })

  it("records a run made over MCP (and its session) as the key's owner's: another owner's key gets 404", async () => {
    const { url, request } = await startServer({ runtime: buildRuntime(), mcp: true })
    const keyOf = async (owner: string) =>
      (await (await request('/api/keys', { json: { owner, scopes: ['read', 'run'] } })).json()).key as string
    const alice = await keyOf('alice')
    const bob = await keyOf('bob')
    const client = await officialClient(url, { Authorization: `Bearer ${alice}` })
    let runId: string
    try {
      const result = await client.callTool({ name: 'echo', arguments: { input: 'mine', sessionId: 'notes' } })
      runId = String(result._meta?.['agentloop/runId'])
    } finally {
      await client.close()
    }
    const run = await request(`/api/runs/${runId}`, { key: alice })
    expect(run.status).toBe(200)
    expect((await run.json()).status).toBe('completed')
    expect((await request(`/api/runs/${runId}`, { key: bob })).status).toBe(404)
    const listed = await (await request('/api/runs', { key: alice })).json()
    expect(listed.runs.map((entry: { runId: string }) => entry.runId)).toContain(runId)
    expect(JSON.stringify(await (await request('/api/runs', { key: bob })).json())).not.toContain(runId)
    // The conversation is stored under the caller's owner (mcp:<owner>:<sessionId>), and is alice's.
    expect((await request('/api/sessions/mcp:alice:notes', { key: alice })).status).toBe(200)
    expect((await request('/api/sessions/mcp:alice:notes', { key: bob })).status).toBe(404)
  })

  it('answers 401 without a key or with an unknown one, before any MCP handling', async () => {
    const { url, logs } = await startServer({ runtime: buildRuntime(), mcp: true })
    const missing = await listTools(url, {})
    expect(missing.status).toBe(401)
    expect(missing.headers.get('WWW-Authenticate')).toBe('Bearer')
    expect(((await missing.json()) as { error: { type: string } }).error.type).toBe('unauthorized')
    expect((await listTools(url, { Authorization: 'Bearer not-a-key-of-this-server' })).status).toBe(401)
    await expect(officialClient(url, {})).rejects.toThrow()
    // the request log has the refusals, never the key
    expect(JSON.stringify(logs)).not.toContain('not-a-key-of-this-server')
  })

  it('is off by default (404), and a bad mcp option is a ConfigError naming it', async () => {
    const { url } = await startServer({ runtime: buildRuntime() })
    expect((await listTools(url, { Authorization: `Bearer ${ADMIN_KEY}` })).status).toBe(404)
    await expect(startServer({ runtime: buildRuntime(), mcp: 'yes' as never })).rejects.toThrow(
      'createServer: mcp must be true, false or the options',
    )
    await expect(
      startServer({ runtime: buildRuntime(), mcp: { authenticate: () => ({ id: 'x' }) } as never }),
    ).rejects.toThrow("uses the server's API keys")
  })
})
