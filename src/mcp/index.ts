/**
 * MCP both ways. Use the tools of MCP servers in your agents with {@link connectMcpServer} (over
 * stdio or Streamable HTTP; the connection is a tool source whose tools follow the server's
 * changes), and serve a runtime's agents and LLM functions as MCP tools with
 * {@link serveMcpStdio} or {@link createMcpHttpHandler}. Needs the optional peers
 * `@modelcontextprotocol/client` (client) and `@modelcontextprotocol/server` (server).
 *
 * @example
 * import { Agent, run } from 'agentloop'
 * import { connectMcpServer } from 'agentloop/mcp'
 *
 * const files = await connectMcpServer({ name: 'files', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '.'] })
 * const agent = new Agent({ name: 'helper', model, tools: [files] })
 * try {
 *   console.log((await run(agent, 'Which files are here?')).output)
 * } finally {
 *   await files.close()
 * }
 *
 * @module
 */
export { connectMcpServer, type McpConnection } from './connect-mcp-server.js'
export type {
  McpApproval,
  McpClientSettings,
  McpHttpTarget,
  McpServerOptions,
  McpStdioTarget,
  McpToolSettings,
} from './mcp-client-options.js'
export { McpConnectionError } from './mcp-error.js'
export { RUN_ID_META_KEY } from './run-as-mcp-tool.js'
export {
  createMcpHttpHandler,
  type McpHttpHandler,
  type McpHttpHandlerOptions,
  type McpStdioServer,
  type ServeMcpStdioOptions,
  serveMcpStdio,
} from './serve-mcp.js'
export type { McpCaller, McpServableFunction, ServeMcpOptions } from './serve-runtime.js'
export type { McpServableWorkflow } from './serve-workflow.js'
