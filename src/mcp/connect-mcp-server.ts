/**
 * A connection to one MCP server, usable as a tool source of an agent: its tools are listed at
 * connect time and again whenever the server says they changed (`notifications/tools/list_changed`),
 * so the agent sees the new list on its next model call. A dropped connection is made again by the
 * next call that needs it. Resources and prompts are there for your own code.
 *
 * @module
 */
import type {
  CallToolResult,
  Client,
  GetPromptResult,
  Tool as McpTool,
  Prompt,
  ReadResourceResult,
  Resource,
} from '@modelcontextprotocol/client'
import { ConfigError } from '../errors/errors.js'
import type { Tool } from '../tool/tool.js'
import type { ToolSource } from '../tool/tool-source.js'
import { sleep } from '../util/abort.js'
import { checkMcpServerOptions, type McpServerOptions } from './mcp-client-options.js'
import { McpConnectionError } from './mcp-error.js'
import { type CallMcpTool, toAgentTools } from './mcp-tools.js'
import { causeText, type OpenClient, openMcpClient } from './open-mcp-client.js'

/** A connected MCP server. Give it to an agent among its `tools`; `close()` it when done. */
export interface McpConnection extends ToolSource<unknown> {
  readonly kind: 'tool-source'
  /** The name given in the options. */
  readonly name: string
  /** The server's tools as agentloop tools, as last listed (include/exclude and settings applied). */
  tools(): readonly Tool<unknown, unknown>[]
  /** Lists the tools again now (the server's change notifications do this by themselves). */
  refreshTools(): Promise<readonly Tool<unknown, unknown>[]>
  /** Whether a connection is open now (false after a drop, until the next call reconnects). */
  readonly connected: boolean
  /** The server's `instructions` from the handshake, if it sent any (you may add them to an agent's). */
  readonly instructions: string | undefined
  /** The official client of the open connection, for what this interface does not cover. */
  readonly client: Client | undefined
  listResources(): Promise<Resource[]>
  readResource(uri: string): Promise<ReadResourceResult>
  listPrompts(): Promise<Prompt[]>
  getPrompt(name: string, args?: Record<string, string>): Promise<GetPromptResult>
  /** Closes the connection (a stdio server's process is ended); later calls fail. Safe to call twice. */
  close(): Promise<void>
}

/**
 * Connects to an MCP server over stdio (`command`) or Streamable HTTP (`url`) and lists its tools.
 * Throws a `McpConnectionError` when the server cannot be started or reached.
 *
 * @example
 * const files = await connectMcpServer({ name: 'files', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '.'] })
 * const agent = new Agent({ name: 'helper', model, tools: [files] })
 * try { await run(agent, 'List the files.') } finally { await files.close() }
 */
export async function connectMcpServer(options: McpServerOptions): Promise<McpConnection> {
  const settings = checkMcpServerOptions(options)
  const server = settings.name
  let live: OpenClient | undefined
  let connecting: Promise<OpenClient> | undefined
  let closed = false
  let current: readonly Tool<unknown, unknown>[] = []
  let instructions: string | undefined

  const report = (error: Error) => settings.onError?.({ server, error })

  const call: CallMcpTool = async (name, args, { signal, timeoutMs }) => {
    const open = await ensureOpen()
    try {
      // The tool's own timeout aborts `signal` first; the client's is a backstop a little later.
      return (await open.client.callTool(
        { name, arguments: args },
        { signal, timeout: timeoutMs + 1_000 },
      )) as CallToolResult
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw new McpConnectionError({
        server,
        message: `MCP server "${server}": the call of tool "${name}" failed (${causeText(error)}).`,
        cause: error,
      })
    }
  }

  const setTools = (listed: readonly McpTool[], notify: boolean) => {
    current = toAgentTools(listed, settings, call)
    if (notify) settings.onToolsChanged?.({ server, toolNames: current.map((entry) => entry.name) })
  }

  const open = async (): Promise<OpenClient> => {
    let opened: OpenClient | undefined
    const connection = await openMcpClient(settings, {
      onToolsChanged(error, tools) {
        if (opened !== live) return
        if (error !== null) report(error)
        else if (tools !== null) setTools(tools, true)
      },
      onClose() {
        if (opened === undefined || opened !== live) return
        live = undefined
        if (!closed) {
          report(
            new McpConnectionError({
              server,
              message: `MCP server "${server}": the connection closed; the next call will connect again.`,
            }),
          )
        }
      },
      onError(error) {
        if (opened === live) report(error)
      },
    })
    opened = connection
    return connection
  }

  /** Opens a connection and lists the tools; on failure closes what it opened. */
  const start = async (notify: boolean): Promise<OpenClient> => {
    const connection = await open()
    try {
      const { tools } = await connection.client.listTools()
      if (closed) throw closedError(server)
      live = connection
      instructions = connection.client.getInstructions()
      setTools(tools, notify)
      return connection
    } catch (error) {
      await connection.client.close().catch(() => {})
      if (error instanceof McpConnectionError) throw error
      throw new McpConnectionError({
        server,
        message: `MCP server "${server}": listing its tools failed (${causeText(error)}).`,
        cause: error,
      })
    }
  }

  const reconnect = async (): Promise<OpenClient> => {
    if (settings.maxReconnectAttempts === 0) {
      throw new McpConnectionError({
        server,
        message: `MCP server "${server}": the connection closed and maxReconnectAttempts is 0. Connect again with connectMcpServer.`,
      })
    }
    let last: unknown
    for (let attempt = 0; attempt < settings.maxReconnectAttempts; attempt++) {
      if (attempt > 0) await sleep(settings.reconnectDelayMs * 2 ** (attempt - 1))
      if (closed) throw closedError(server)
      try {
        return await start(true)
      } catch (error) {
        last = error
      }
    }
    throw new McpConnectionError({
      server,
      message: `MCP server "${server}": the connection closed and ${settings.maxReconnectAttempts} attempts to connect again failed; the last: ${(last as Error).message}`,
      cause: last,
    })
  }

  const ensureOpen = (): Promise<OpenClient> => {
    if (closed) return Promise.reject(closedError(server))
    if (live !== undefined) return Promise.resolve(live)
    connecting ??= reconnect().finally(() => {
      connecting = undefined
    })
    return connecting
  }

  await start(false)

  return {
    kind: 'tool-source',
    name: server,
    tools: () => current,
    async refreshTools() {
      const connection = await ensureOpen()
      const { tools } = await connection.client.listTools(undefined, { cacheMode: 'refresh' })
      setTools(tools, true)
      return current
    },
    get connected() {
      return live !== undefined
    },
    get instructions() {
      return instructions
    },
    get client() {
      return live?.client
    },
    async listResources() {
      return (await (await ensureOpen()).client.listResources()).resources
    },
    async readResource(uri) {
      if (typeof uri !== 'string' || uri === '') {
        throw new ConfigError({ message: `MCP server "${server}": readResource(uri) needs a resource URI.` })
      }
      return (await ensureOpen()).client.readResource({ uri })
    },
    async listPrompts() {
      return (await (await ensureOpen()).client.listPrompts()).prompts
    },
    async getPrompt(name, args) {
      return (await ensureOpen()).client.getPrompt({
        name,
        ...(args === undefined ? {} : { arguments: args }),
      })
    },
    async close() {
      if (closed) return
      closed = true
      const connection = live
      live = undefined
      if (connection === undefined) return
      const transport = connection.transport as { terminateSession?: () => Promise<void> }
      // A sessionful HTTP server is told the session ended; a stateless one answers 405, ignored.
      await transport.terminateSession?.().catch(() => {})
      await connection.client.close().catch(() => {})
    },
  }
}

function closedError(server: string): McpConnectionError {
  return new McpConnectionError({
    server,
    message: `MCP server "${server}": the connection was closed with close(). Connect again with connectMcpServer.`,
  })
}
