/**
 * What MCP costs, both ways, against the official packages on the other side:
 * - client over stdio: connecting (spawning a Node MCP server made with @modelcontextprotocol/server,
 *   the handshake and the tool list), and one tool call through the agentloop tool connectMcpServer
 *   made (validation, the call, the result's text);
 * - client over Streamable HTTP on 127.0.0.1 against the official createMcpHandler: one tool call;
 * - server over Streamable HTTP (createMcpHttpHandler on @hono/node-server): one call of an agent
 *   tool by the official client, the agent answering at once (a scripted model), so what is
 *   measured is MCP + a run, not a model.
 *
 * Run: npm run bench:mcp   (builds dist/ first)
 */
import { rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { createMcpHandler, fromJsonSchema, McpServer } from '@modelcontextprotocol/server'
import { Agent, Runtime, type Tool, type ToolContext } from 'agentloop'
import { connectMcpServer, createMcpHttpHandler } from 'agentloop/mcp'
import { scriptedModel } from 'agentloop/testing'

const CALLS = 300

// A stdio MCP server in plain JavaScript, so the child starts without a TypeScript loader.
const serverFile = join(tmpdir(), `agentloop-bench-mcp-${process.pid}.mjs`)
writeFileSync(
  serverFile,
  `import { McpServer, fromJsonSchema } from '${import.meta.resolve('@modelcontextprotocol/server')}'
import { StdioServerTransport } from '${import.meta.resolve('@modelcontextprotocol/server/stdio')}'
const server = new McpServer({ name: 'bench', version: '1.0.0' })
server.registerTool('add', { description: 'Add', inputSchema: fromJsonSchema({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] }) },
  async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }))
await server.connect(new StdioServerTransport())
`,
)

function officialServer(): McpServer {
  const server = new McpServer({ name: 'bench', version: '1.0.0' })
  server.registerTool(
    'add',
    {
      description: 'Add',
      inputSchema: fromJsonSchema<{ a: number; b: number }>({
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number' } },
        required: ['a', 'b'],
      }),
    },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  )
  return server
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return `median ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms (n=${samples.length})`
}

async function timeCalls(call: (index: number) => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < 20; index++) await call(index) // warm-up
  const samples: number[] = []
  for (let index = 0; index < CALLS; index++) {
    const started = performance.now()
    await call(index)
    samples.push(performance.now() - started)
  }
  return samples
}

function context(): ToolContext<unknown> {
  return {
    context: undefined,
    signal: new AbortController().signal,
    runId: 'r',
    callId: 'c',
    turn: 1,
    idempotencyKey: 'r:c',
  }
}

async function viaTool(tool: Tool<unknown, unknown>, index: number): Promise<unknown> {
  const parsed = await tool.parseArguments({ a: index, b: 1 })
  if (!parsed.success) throw new Error('invalid')
  return tool.execute(parsed.value, context())
}

// client over stdio
const connects: number[] = []
for (let index = 0; index < 5; index++) {
  const started = performance.now()
  const connection = await connectMcpServer({ name: 'bench', command: process.execPath, args: [serverFile] })
  connects.push(performance.now() - started)
  await connection.close()
}
console.log(`client, stdio: connect (spawn, handshake, list tools): ${stats(connects)}`)
const stdio = await connectMcpServer({ name: 'bench', command: process.execPath, args: [serverFile] })
const stdioAdd = stdio.tools()[0] as Tool<unknown, unknown>
console.log(
  `client, stdio: one tool call through the agentloop tool: ${stats(await timeCalls((index) => viaTool(stdioAdd, index)))}`,
)
await stdio.close()

// an HTTP app with the official server and ours
const runtime = new Runtime({
  agents: [
    new Agent({
      name: 'echo',
      model: scriptedModel(Array.from({ length: CALLS + 40 }, () => ({ text: 'ok' }))),
    }),
  ],
})
const ours = await createMcpHttpHandler(runtime, { authenticate: () => ({ id: 'bench' }) })
const official = createMcpHandler(() => officialServer())
const server = serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch: (request) =>
    new URL(request.url).pathname === '/official' ? official.fetch(request) : ours.fetch(request),
})
await new Promise((resolve) => server.once('listening', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

const http = await connectMcpServer({ name: 'bench', url: `${base}/official` })
const httpAdd = http.tools()[0] as Tool<unknown, unknown>
console.log(
  `client, HTTP: one tool call through the agentloop tool: ${stats(await timeCalls((index) => viaTool(httpAdd, index)))}`,
)
await http.close()

const client = new Client({ name: 'bench', version: '1.0.0' })
await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)))
console.log(
  `server, HTTP: one agent tool call (a run with a scripted model) by the official client: ${stats(await timeCalls(() => client.callTool({ name: 'echo', arguments: { input: 'hi' } })))}`,
)
await client.close()
await ours.close()
await official.close()
await new Promise((resolve) => server.close(resolve))
rmSync(serverFile, { force: true })
