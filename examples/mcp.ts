/**
 * MCP both ways in one program. Run with `serve`, this file serves a "librarian" agent over MCP on
 * stdin/stdout (what `agentloop mcp` does for a runtime). Run without arguments, it starts itself
 * that way as a child process, connects to it with connectMcpServer, and gives the librarian to an
 * "assistant" agent as a tool: the assistant's run calls the librarian's run, over MCP.
 *
 * Run: npx tsx examples/mcp.ts   (uses scripted models; no API key needed)
 */
import { fileURLToPath } from 'node:url'
import { Agent, type ModelRequest, Runtime, run, tool } from 'agentloop'
import { connectMcpServer, serveMcpStdio } from 'agentloop/mcp'
import { scriptedModel } from 'agentloop/testing'
import { z } from 'zod'

/** The text of the last tool result in a request, if any. */
const lastToolResult = (request: ModelRequest) =>
  request.messages.findLast((message) => message.role === 'tool')?.content

if (process.argv[2] === 'serve') {
  const findBook = tool({
    name: 'find_book',
    description: 'Find a book about a topic in the catalog',
    parameters: z.object({ topic: z.string() }),
    execute: ({ topic }) =>
      topic.includes('durable') ? '"Designing Data-Intensive Applications", shelf B4' : 'nothing found',
  })
  // A scripted librarian: it looks the topic up, then answers with what the catalog said.
  const librarian = new Agent({
    name: 'librarian',
    instructions: 'Find books in the catalog.',
    tools: [findBook],
    model: scriptedModel(
      Array.from({ length: 20 }, () => (request: ModelRequest) => {
        const found = lastToolResult(request)
        return found === undefined
          ? { toolCalls: [{ name: 'find_book', arguments: { topic: 'durable execution' } }] }
          : { text: `Try ${found}.` }
      }),
    ),
  })
  await serveMcpStdio(new Runtime({ agents: [librarian] }), { name: 'library' })
} else {
  const library = await connectMcpServer({
    name: 'library',
    command: process.execPath,
    args: ['--import', 'tsx', fileURLToPath(import.meta.url), 'serve'],
    toolNamePrefix: 'library_',
    timeoutMs: 30_000,
    connectTimeoutMs: 30_000,
  })
  try {
    console.log(
      `tools: ${library
        .tools()
        .map((entry) => entry.name)
        .join(', ')}`,
    )
    const assistant = new Agent({
      name: 'assistant',
      instructions: 'Ask the library when the user wants a book.',
      tools: [library],
      model: scriptedModel([
        { toolCalls: [{ name: 'library_librarian', arguments: { input: 'A book on durable execution?' } }] },
        (request) => ({ text: `The librarian says: ${lastToolResult(request)}` }),
      ]),
    })
    const result = await run(assistant, 'Find me a book about durable execution.')
    console.log(result.output)
  } finally {
    await library.close()
  }
}
