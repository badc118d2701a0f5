/**
 * Opens one connection to an MCP server with the official client (`@modelcontextprotocol/client`):
 * spawns the command or points at the URL, runs the handshake within the connect timeout, and
 * turns the ways this fails (command not found, process exited, server not reachable, no answer)
 * into one `McpConnectionError` that says which and what to check.
 *
 * @module
 */
import type { Client, Tool as McpTool, Transport } from '@modelcontextprotocol/client'
import { describeError } from '../errors/describe-error.js'
import { importOptionalPeer } from '../errors/optional-peer.js'
import type { McpHttpTarget, McpServerOptions, McpStdioTarget } from './mcp-client-options.js'
import { McpConnectionError } from './mcp-error.js'

/** A live connection. */
export interface OpenClient {
  client: Client
  transport: Transport
  /** The last lines the child process wrote to stderr (stdio only), for error messages. */
  stderrTail(): string
}

/** What `openMcpClient` needs besides the options. */
export interface OpenClientHooks {
  /** The server's tool list changed and was read again (or reading it failed). */
  onToolsChanged(error: Error | null, tools: McpTool[] | null): void
  /** The connection closed (whether or not `close()` asked for it). */
  onClose(): void
  onError(error: Error): void
}

const STDERR_TAIL = 2_000
const CLIENT_INFO = { name: 'agentloop', version: '0.1.0' }

/** Connects, or throws a `McpConnectionError` naming the server and the cause. */
export async function openMcpClient(
  options: McpServerOptions & { connectTimeoutMs: number },
  hooks: OpenClientHooks,
): Promise<OpenClient> {
  const { Client, StreamableHTTPClientTransport } = await importOptionalPeer(
    () => import('@modelcontextprotocol/client'),
    { packageName: '@modelcontextprotocol/client', subpath: 'agentloop/mcp' },
  )
  const client = new Client(CLIENT_INFO, {
    listChanged: {
      // Read the list again at once (a short debounce merges a burst of notifications).
      tools: { autoRefresh: true, debounceMs: 50, onChanged: hooks.onToolsChanged },
    },
  })
  let stderr = ''
  let transport: Transport
  if ('command' in options && options.command !== undefined) {
    const { StdioClientTransport, getDefaultEnvironment } = await importOptionalPeer(
      () => import('@modelcontextprotocol/client/stdio'),
      { packageName: '@modelcontextprotocol/client', subpath: 'agentloop/mcp' },
    )
    const target = options as McpStdioTarget
    const stdio = new StdioClientTransport({
      command: target.command,
      args: [...(target.args ?? [])],
      env: { ...getDefaultEnvironment(), ...target.env },
      ...(target.cwd === undefined ? {} : { cwd: target.cwd }),
      // Piped (not inherited) so a server's log lines do not mix with the host's output, and so
      // a failed start can quote them.
      stderr: 'pipe',
    })
    stdio.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    transport = stdio
  } else {
    const target = options as McpHttpTarget
    const url = target.url instanceof URL ? target.url : new URL(target.url)
    transport = new StreamableHTTPClientTransport(url, {
      ...(target.headers === undefined ? {} : { requestInit: { headers: { ...target.headers } } }),
    })
  }
  client.onclose = () => hooks.onClose()
  client.onerror = (error) => hooks.onError(error)
  try {
    await client.connect(transport, { timeout: options.connectTimeoutMs })
  } catch (error) {
    await client.close().catch(() => {})
    throw connectError(options, error, stderr)
  }
  return { client, transport, stderrTail: () => stderr }
}

/** Describes a failed connect: what was tried, what happened, what to check. */
export function connectError(
  options: McpServerOptions & { connectTimeoutMs: number },
  error: unknown,
  stderr: string,
): McpConnectionError {
  const server = options.name
  const cause = causeText(error)
  const code = errorCode(error)
  let message: string
  if ('command' in options && options.command !== undefined) {
    const target = options as McpStdioTarget
    const commandLine = [target.command, ...(target.args ?? [])].join(' ')
    if (code === 'ENOENT') {
      message = `MCP server "${server}": the command "${target.command}" was not found (${cause}). Install it, or give its full path in command.`
    } else if (code === 'EACCES') {
      message = `MCP server "${server}": the command "${target.command}" cannot be run (${cause}). Check that the file is executable.`
    } else if (isTimeout(error)) {
      message = `MCP server "${server}": "${commandLine}" did not answer the MCP handshake within ${options.connectTimeoutMs} ms. Check that it is an MCP server speaking stdio, or raise connectTimeoutMs.${stderrNote(stderr)}`
    } else {
      message = `MCP server "${server}": "${commandLine}" stopped before the MCP handshake finished (${cause}). Run the command by hand to see why.${stderrNote(stderr)}`
    }
  } else {
    const url = String((options as McpHttpTarget).url)
    if (isTimeout(error)) {
      message = `MCP server "${server}" at ${url} did not answer the MCP handshake within ${options.connectTimeoutMs} ms. Check the URL, or raise connectTimeoutMs.`
    } else if (isNetworkFailure(error)) {
      message = `MCP server "${server}" at ${url} is not reachable (${cause}). Check the URL and that the server is running.`
    } else {
      const status = (error as { data?: { status?: unknown } } | null)?.data?.status
      const http = typeof status === 'number' ? `HTTP ${status}: ` : ''
      message = `MCP server "${server}" at ${url} refused the MCP handshake (${http}${cause}). Check the URL (the MCP endpoint, often /mcp) and the headers (an API key?).`
    }
  }
  return new McpConnectionError({ server, message, cause: error })
}

function stderrNote(stderr: string): string {
  const text = stderr.trim()
  return text === '' ? '' : ` Its stderr ended with: ${text.slice(-500)}`
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'REQUEST_TIMEOUT' || /timed? ?out/i.test(describeError(error).message)
}

function isNetworkFailure(error: unknown): boolean {
  return error instanceof TypeError || errorCode(error)?.startsWith('E') === true
}

/** The system error code (ENOENT, ECONNREFUSED...) of an error or of its causes. */
function errorCode(error: unknown): string | undefined {
  let current = error
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code
    const errors = (current as { errors?: unknown }).errors
    if (Array.isArray(errors) && errors.length > 0) current = errors[0]
    else current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** The error's message with its causes' messages, e.g. `fetch failed: connect ECONNREFUSED 127.0.0.1:1`. */
export function causeText(error: unknown): string {
  const parts: string[] = []
  let current = error
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const text = describeError(current).message
    if (text !== '' && !parts.includes(text)) parts.push(text)
    const errors = (current as { errors?: unknown }).errors
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : (current as { cause?: unknown }).cause
  }
  return parts.join(': ') || 'unknown error'
}
