// An MCP server made with the official @modelcontextprotocol/server package, for the client tests:
// run as a child process it serves over stdio; `fixtureServer()` builds the same server for HTTP.
// Tools: add, fail (isError), slow (honours cancellation), stats (what the server saw), enable_extra
// (adds a tool: the server sends notifications/tools/list_changed), crash (exits), pid.
import { McpServer } from '@modelcontextprotocol/server'
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio'
import { z } from 'zod'

const stats = { cancelled: 0, calls: 0, slowStarted: 0 }

export function fixtureServer(): McpServer {
  const server = new McpServer({ name: 'fixture', version: '1.0.0' }, { instructions: 'Fixture tools.' })
  server.registerTool(
    'add',
    {
      description: 'Add two numbers',
      inputSchema: z.object({ a: z.number(), b: z.number(), note: z.string().optional() }),
      annotations: { readOnlyHint: true },
    },
    async ({ a, b }) => {
      stats.calls += 1
      return { content: [{ type: 'text', text: String(a + b) }] }
    },
  )
  server.registerTool('fail', { description: 'Always fails', inputSchema: z.object({}) }, async () => ({
    content: [{ type: 'text', text: 'the database is down' }],
    isError: true,
  }))
  server.registerTool(
    'slow',
    { description: 'Waits', inputSchema: z.object({ ms: z.number() }) },
    ({ ms }, ctx) =>
      new Promise((resolve) => {
        stats.slowStarted += 1
        const timer = setTimeout(() => resolve({ content: [{ type: 'text', text: 'slept' }] }), ms)
        ctx.mcpReq.signal.addEventListener('abort', () => {
          clearTimeout(timer)
          stats.cancelled += 1
          resolve({ content: [{ type: 'text', text: 'cancelled' }] })
        })
      }),
  )
  server.registerTool(
    'stats',
    { description: 'What the server saw', inputSchema: z.object({}) },
    async () => ({
      content: [{ type: 'text', text: JSON.stringify(stats) }],
    }),
  )
  server.registerTool(
    'enable_extra',
    { description: 'Adds the tool extra', inputSchema: z.object({}) },
    async () => {
      server.registerTool(
        'extra',
        { description: 'A tool added later', inputSchema: z.object({ word: z.string() }) },
        async ({ word }) => ({ content: [{ type: 'text', text: `extra ${word}` }] }),
      )
      return { content: [{ type: 'text', text: 'enabled' }] }
    },
  )
  server.registerTool('crash', { description: 'Exits the process', inputSchema: z.object({}) }, async () => {
    setTimeout(() => process.exit(1), 10)
    return { content: [{ type: 'text', text: 'bye' }] }
  })
  server.registerTool('pid', { description: 'The process id', inputSchema: z.object({}) }, async () => ({
    content: [{ type: 'text', text: String(process.pid) }],
  }))
  server.registerResource(
    'today',
    'notes://today',
    { mimeType: 'text/plain', description: "Today's notes" },
    async (uri) => ({ contents: [{ uri: uri.href, text: 'Buy milk.' }] }),
  )
  server.registerPrompt(
    'greet',
    { description: 'A greeting', argsSchema: z.object({ name: z.string() }) },
    ({ name }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}.` } }],
    }),
  )
  return server
}

// `stdio-once <file>`: serves only the first time (it creates the file); later starts fail.
if (process.argv[2] === 'stdio-once') {
  const { existsSync, writeFileSync } = await import('node:fs')
  const marker = process.argv[3] as string
  if (existsSync(marker)) {
    process.stderr.write('refusing to start again\n')
    process.exit(2)
  }
  writeFileSync(marker, 'started')
  await fixtureServer().connect(new StdioServerTransport())
}

if (process.argv[2] === 'stdio') {
  process.stderr.write('fixture server starting\n')
  await fixtureServer().connect(new StdioServerTransport())
}
