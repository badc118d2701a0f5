// connectMcpServer against a real MCP server made with the official @modelcontextprotocol/server
// package, running as a child process over stdio (test/support/mcp-fixture-server.ts).
import { Agent, createMemoryStorage, type ModelRequest, Runtime, run } from 'agentloop'
import {
  connectMcpServer,
  type McpClientSettings,
  type McpConnection,
  McpConnectionError,
} from 'agentloop/mcp'
import { scriptedModel } from 'agentloop/testing'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { root } from './support/build.js'

const fixture = {
  command: process.execPath,
  args: ['--import', 'tsx', 'test/support/mcp-fixture-server.ts', 'stdio'],
  cwd: root,
}
const open: McpConnection[] = []
async function connect(extra: Partial<McpClientSettings> = {}): Promise<McpConnection> {
  const connection = await connectMcpServer({
    name: 'fixture',
    ...fixture,
    connectTimeoutMs: 30_000,
    ...extra,
  })
  open.push(connection)
  return connection
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((connection) => connection.close()))
})

function toolResults(request: ModelRequest | undefined): string[] {
  return (request?.messages ?? [])
    .filter((message) => message.role === 'tool')
    .map((message) => String((message as { content: unknown }).content))
}

describe('connectMcpServer over stdio (official server package in a child process)', () => {
  it('lists the tools with their JSON Schema passed through in strict form, and an agent run calls one end to end', async () => {
    const mcp = await connect()
    const add = mcp.tools().find((entry) => entry.name === 'add')
    expect(add?.strict).toBe(true)
    expect(add?.parameters).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' }, note: { type: ['string', 'null'] } },
      required: ['a', 'b', 'note'],
      additionalProperties: false,
    })
    expect(add?.parameters).not.toHaveProperty('$schema')
    expect(add?.idempotent).toBe(true) // readOnlyHint
    expect(mcp.instructions).toBe('Fixture tools.')

    const model = scriptedModel([
      { toolCalls: [{ name: 'add', arguments: { a: 2, b: 3, note: null } }] },
      (request) => ({ text: `The sum is ${toolResults(request)[0]}.` }),
    ])
    const agent = new Agent({ name: 'calc', model, tools: [mcp] })
    const result = await run(agent, 'What is 2 + 3?')
    expect(result.output).toBe('The sum is 5.')
    expect(model.requests[0]?.tools.map((entry) => entry.name)).toContain('add')
  }, 60_000)

  it('turns isError into an error tool result with the server text, and a prefix keeps servers apart', async () => {
    const mcp = await connect({ toolNamePrefix: 'fx_', include: ['fail', 'add'] })
    expect(mcp.tools().map((entry) => entry.name)).toEqual(['fx_add', 'fx_fail'])
    const model = scriptedModel([{ toolCalls: [{ name: 'fx_fail', arguments: {} }] }, { text: 'sorry' }])
    const result = await run(new Agent({ name: 'a', model, tools: [mcp] }), 'go')
    const item = result.items.find((entry) => entry.type === 'tool.result')
    expect(item).toMatchObject({ isError: true })
    expect(toolResults(model.requests[1])[0]).toContain('the database is down')
  }, 60_000)

  it('times a call out per tool, and the abort reaches the server as a cancellation', async () => {
    const mcp = await connect({ tools: { slow: { timeoutMs: 300 } } })
    const model = scriptedModel([
      { toolCalls: [{ name: 'slow', arguments: { ms: 20_000 } }] },
      { toolCalls: [{ name: 'stats', arguments: {} }] },
      { text: 'done' },
    ])
    const started = Date.now()
    await run(new Agent({ name: 'a', model, tools: [mcp] }), 'go')
    expect(Date.now() - started).toBeLessThan(15_000)
    const [timedOut] = toolResults(model.requests[1])
    expect(timedOut).toMatch(/tool "slow" timed out after 300 ms/)
    const stats = JSON.parse(toolResults(model.requests[2])[1] ?? '{}')
    expect(stats.cancelled).toBe(1)
  }, 60_000)

  it('cancelling the run cancels the MCP call', async () => {
    const mcp = await connect()
    const controller = new AbortController()
    const model = scriptedModel([{ toolCalls: [{ name: 'slow', arguments: { ms: 20_000 } }] }])
    const running = run(new Agent({ name: 'a', model, tools: [mcp] }), 'go', { signal: controller.signal })
    // abort once the server is running the call
    await expect
      .poll(async () => JSON.parse(await callText(mcp, 'stats')).slowStarted, { timeout: 20_000 })
      .toBe(1)
    controller.abort()
    await expect(running).rejects.toThrow()
    await expect
      .poll(
        async () => {
          return JSON.parse(await callText(mcp, 'stats')).cancelled
        },
        { timeout: 10_000 },
      )
      .toBe(1)
  }, 60_000)

  it('pauses for approval per server or per tool', async () => {
    const mcp = await connect({
      needsApproval: true,
      tools: { add: { needsApproval: ({ arguments: args }) => (args.a as number) > 100 } },
    })
    const model = scriptedModel([
      {
        toolCalls: [
          { name: 'add', arguments: { a: 1, b: 1, note: null } },
          { name: 'pid', arguments: {} },
        ],
      },
      (request) => ({ text: `results: ${toolResults(request).join(', ')}` }),
    ])
    const agent = new Agent({ name: 'a', model, tools: [mcp] })
    const runtime = new Runtime({ storage: createMemoryStorage(), agents: [agent] })
    const paused = await runtime.run(agent, 'go')
    expect(paused.status).toBe('awaiting_approval')
    // add with a <= 100 needs no approval; pid falls under the server's needsApproval: true
    expect(paused.interruptions.map((entry) => entry.toolName)).toEqual(['pid'])
    const callId = paused.interruptions[0]?.callId as string
    const done = await runtime.resume(paused.runId, { approvals: [{ callId, approve: true }] })
    expect(done.status).toBe('completed')
    expect(done.output).toMatch(/^results: 2, \d+$/)
  }, 60_000)

  it('honours notifications/tools/list_changed: the agent sees the new tool on its next turn', async () => {
    const changes: string[][] = []
    let changed: () => void = () => {}
    const relisted = new Promise<void>((resolve) => {
      changed = resolve
    })
    const mcp = await connect({
      onToolsChanged: ({ toolNames }) => {
        changes.push(toolNames)
        changed()
      },
    })
    expect(mcp.tools().some((entry) => entry.name === 'extra')).toBe(false)
    const model = scriptedModel([
      { toolCalls: [{ name: 'enable_extra', arguments: {} }] },
      // the notification arrives just after the result; this turn answers once it was read
      async () => {
        await relisted
        return { toolCalls: [{ name: 'extra', arguments: { word: 'hi' } }] }
      },
      { text: 'ok' },
    ])
    await run(new Agent({ name: 'a', model, tools: [mcp] }), 'go')
    expect(model.requests[0]?.tools.map((entry) => entry.name)).not.toContain('extra')
    const later = model.requests[2]?.tools.map((entry) => entry.name)
    expect(later).toContain('extra')
    expect(toolResults(model.requests[2])).toContain('extra hi')
    expect(changes.at(-1)).toContain('extra')
  }, 60_000)

  it('reconnects after the server process dies: the next call starts a new one', async () => {
    const errors: string[] = []
    const mcp = await connect({ reconnectDelayMs: 50, onError: ({ error }) => errors.push(error.message) })
    const first = await callText(mcp, 'pid')
    await mcp.client?.callTool({ name: 'crash', arguments: {} })
    await expect.poll(() => mcp.connected, { timeout: 10_000 }).toBe(false)
    expect(errors.join('\n')).toMatch(/the connection closed; the next call will connect again/)
    const model = scriptedModel([{ toolCalls: [{ name: 'pid', arguments: {} }] }, { text: 'ok' }])
    await run(new Agent({ name: 'a', model, tools: [mcp] }), 'go')
    const second = toolResults(model.requests[1])[0]
    expect(second).toMatch(/^\d+$/)
    expect(second).not.toBe(first)
    expect(mcp.connected).toBe(true)
  }, 60_000)

  it('gives up reconnecting after maxReconnectAttempts, with an error result saying why', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'agentloop-mcp-')), 'started')
    const mcp = await connectMcpServer({
      name: 'once',
      command: process.execPath,
      args: ['--import', 'tsx', 'test/support/mcp-fixture-server.ts', 'stdio-once', marker],
      cwd: root,
      connectTimeoutMs: 30_000,
      maxReconnectAttempts: 2,
      reconnectDelayMs: 50,
    })
    open.push(mcp)
    await callText(mcp, 'crash')
    await expect.poll(() => mcp.connected, { timeout: 10_000 }).toBe(false)
    const model = scriptedModel([
      { toolCalls: [{ name: 'add', arguments: { a: 1, b: 2, note: null } }] },
      { text: 'ok' },
    ])
    await run(new Agent({ name: 'a', model, tools: [mcp] }), 'go')
    expect(toolResults(model.requests[1])[0]).toMatch(
      /MCP server "once": the connection closed and 2 attempts to connect again failed; the last: .*stopped before the MCP handshake finished.*refusing to start again/,
    )
  }, 60_000)

  it('gives resources and prompts to user code, and close() ends the server process', async () => {
    const mcp = await connect()
    expect((await mcp.listResources()).map((entry) => entry.uri)).toEqual(['notes://today'])
    expect((await mcp.readResource('notes://today')).contents[0]).toMatchObject({ text: 'Buy milk.' })
    expect((await mcp.listPrompts()).map((entry) => entry.name)).toEqual(['greet'])
    const prompt = await mcp.getPrompt('greet', { name: 'Ada' })
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Say hello to Ada.' })
    const pid = Number(await callText(mcp, 'pid'))
    await mcp.close()
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false)
    expect(mcp.connected).toBe(false)
    await expect(mcp.listResources()).rejects.toThrow(/closed with close\(\)/)
  }, 60_000)

  it('says clearly when the command is not found or the process stops before the handshake', async () => {
    const missing = connectMcpServer({ name: 'ghost', command: 'agentloop-no-such-command' })
    await expect(missing).rejects.toBeInstanceOf(McpConnectionError)
    await expect(missing).rejects.toThrow(
      'MCP server "ghost": the command "agentloop-no-such-command" was not found (spawn agentloop-no-such-command ENOENT). Install it, or give its full path in command.',
    )
    const exits = connectMcpServer({
      name: 'quitter',
      command: process.execPath,
      args: ['-e', 'console.error("missing API key"); process.exit(3)'],
    })
    await expect(exits).rejects.toThrow(
      /MCP server "quitter": ".*" stopped before the MCP handshake finished .*Its stderr ended with: missing API key/,
    )
    const silent = connectMcpServer({
      name: 'silent',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      connectTimeoutMs: 500,
    })
    await expect(silent).rejects.toThrow(
      /^MCP server "silent": ".*" did not answer the MCP handshake within 500 ms\. Check that it is an MCP server speaking stdio, or raise connectTimeoutMs\.$/,
    )
  }, 60_000)
})

/** Calls a tool with the official client of the open connection; its first text block. */
async function callText(mcp: McpConnection, name: string): Promise<string> {
  const client = mcp.client
  if (client === undefined) throw new Error('not connected')
  const result = await client.callTool({ name, arguments: {} })
  return (result.content[0] as { text: string }).text
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
