/**
 * The options of `connectMcpServer`, their defaults, and the checks that turn a wrong option into
 * a `ConfigError` naming the field and the fix.
 *
 * @module
 */
import { checkOptionKeys, describeValue } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { ToolContext } from '../tool/tool.js'

/** Decides whether a call of an MCP tool waits for a human decision. */
export type McpApproval =
  | boolean
  | ((call: {
      /** The tool's name as the agent sees it (with the prefix). */
      toolName: string
      /** The tool's name on the MCP server. */
      serverToolName: string
      arguments: Record<string, unknown>
      context: ToolContext<unknown>
    }) => boolean | Promise<boolean>)

/** Settings of one tool of the server, by its name on the server. */
export interface McpToolSettings {
  /** Abort the call after this many milliseconds (overrides the server's `timeoutMs`). */
  timeoutMs?: number
  /** Overrides the server's `needsApproval` for this tool. */
  needsApproval?: McpApproval
  /**
   * Safe to run again after a crash (a resumed durable run repeats an unfinished call). Default:
   * the tool's `readOnlyHint` annotation.
   */
  idempotent?: boolean
  /** Overrides the tool's description as the model reads it. */
  description?: string
}

/** How to start a local MCP server as a child process that talks over stdin and stdout. */
export interface McpStdioTarget {
  /** The executable, e.g. `npx` or `node`. */
  command: string
  args?: readonly string[]
  /**
   * Variables added to the child's environment. The child inherits only a safe default set
   * (PATH, HOME, ...), not this process's whole environment, so secrets are passed on purpose.
   */
  env?: Readonly<Record<string, string>>
  cwd?: string
}

/** A remote MCP server reached over Streamable HTTP. */
export interface McpHttpTarget {
  /** The endpoint, e.g. `https://example.com/mcp`. */
  url: string | URL
  /** Headers sent with every request, e.g. `{ Authorization: 'Bearer ...' }`. */
  headers?: Readonly<Record<string, string>>
}

/** Options shared by both kinds of servers. */
export interface McpClientSettings {
  /** Names the server in tool sources, errors and logs; letters, digits, `_`, `-`. */
  name: string
  /**
   * Put before each tool's name as the model sees it (e.g. `docs_`), to keep tools of several
   * servers apart. Default: none.
   */
  toolNamePrefix?: string
  /** Only these tools (by their name on the server) are given to the agent. Default: all. */
  include?: readonly string[]
  /** These tools (by their name on the server) are left out. */
  exclude?: readonly string[]
  /** Abort a tool call after this many milliseconds (default 60 000). */
  timeoutMs?: number
  /** Give up connecting (spawn or first request, and the handshake) after this long (default 10 000). */
  connectTimeoutMs?: number
  /** Whether every tool call waits for a human decision (default false); per tool in `tools`. */
  needsApproval?: McpApproval
  /** Send the tools' schemas in strict form where they allow it (default true). */
  strict?: boolean
  /** Settings per tool, by its name on the server. */
  tools?: Readonly<Record<string, McpToolSettings>>
  /**
   * After the connection drops, how many times a later call tries to connect again before it
   * fails (default 3; `0` never reconnects), waiting `reconnectDelayMs` (default 500) doubled
   * after each failed attempt.
   */
  maxReconnectAttempts?: number
  reconnectDelayMs?: number
  /** Called when the server's tool list changed and was read again (after `tools()` changed). */
  onToolsChanged?: (event: { server: string; toolNames: string[] }) => void
  /** Called with errors that happen outside a call (a dropped connection, a failed re-list). */
  onError?: (event: { server: string; error: Error }) => void
}

/** The options of `connectMcpServer`: a stdio command or an HTTP URL, plus the shared settings. */
export type McpServerOptions = McpClientSettings & (McpStdioTarget | McpHttpTarget)

/** The defaults, named so the docs and the code say the same. */
export const MCP_CLIENT_DEFAULTS = {
  timeoutMs: 60_000,
  connectTimeoutMs: 10_000,
  maxReconnectAttempts: 3,
  reconnectDelayMs: 500,
} as const

/** The options with their defaults applied. */
export type CheckedMcpServerOptions = McpServerOptions & {
  timeoutMs: number
  connectTimeoutMs: number
  maxReconnectAttempts: number
  reconnectDelayMs: number
  strict: boolean
}

const OPTION_KEYS = [
  'name',
  'command',
  'args',
  'env',
  'cwd',
  'url',
  'headers',
  'toolNamePrefix',
  'include',
  'exclude',
  'timeoutMs',
  'connectTimeoutMs',
  'needsApproval',
  'strict',
  'tools',
  'maxReconnectAttempts',
  'reconnectDelayMs',
  'onToolsChanged',
  'onError',
] as const

const TOOL_KEYS = ['timeoutMs', 'needsApproval', 'idempotent', 'description'] as const
const NAME = /^[a-zA-Z0-9_-]{1,64}$/

/** Throws a `ConfigError` for options that cannot work; returns them with the defaults applied. */
export function checkMcpServerOptions(options: McpServerOptions): CheckedMcpServerOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError({
      message: `connectMcpServer(options): options must be an object such as { name: 'docs', command: 'npx', args: [...] } or { name: 'docs', url: 'https://.../mcp' }; got ${describeValue(options)}.`,
    })
  }
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    throw new ConfigError({
      message: `connectMcpServer: name must be 1-64 letters, digits, "_" or "-"; got ${describeValue(options.name)}.`,
    })
  }
  const label = `MCP server "${options.name}"`
  checkOptionKeys(options, OPTION_KEYS, label, { server: 'url', endpoint: 'url', timeout: 'timeoutMs' })
  const record = options as Partial<McpStdioTarget & McpHttpTarget>
  const hasCommand = record.command !== undefined
  const hasUrl = record.url !== undefined
  if (hasCommand === hasUrl) {
    throw new ConfigError({
      message: `${label}: give either command (a local server started as a child process) or url (a Streamable HTTP endpoint), not ${hasCommand ? 'both' : 'neither'}.`,
    })
  }
  if (hasCommand && (typeof record.command !== 'string' || record.command.trim() === '')) {
    throw new ConfigError({
      message: `${label}: command must be a non-empty string such as 'npx'; got ${describeValue(record.command)}.`,
    })
  }
  if (record.args !== undefined && !isStringList(record.args)) {
    throw new ConfigError({ message: `${label}: args must be a list of strings.` })
  }
  if (hasUrl) checkUrl(record.url, label)
  if (options.toolNamePrefix !== undefined && !/^[a-zA-Z0-9_-]{0,32}$/.test(options.toolNamePrefix)) {
    throw new ConfigError({
      message: `${label}: toolNamePrefix must be up to 32 letters, digits, "_" or "-"; got ${describeValue(options.toolNamePrefix)}.`,
    })
  }
  for (const key of ['include', 'exclude'] as const) {
    if (options[key] !== undefined && !isStringList(options[key])) {
      throw new ConfigError({ message: `${label}: ${key} must be a list of tool names.` })
    }
  }
  const timeoutMs = positive(options.timeoutMs, MCP_CLIENT_DEFAULTS.timeoutMs, `${label}: timeoutMs`)
  const connectTimeoutMs = positive(
    options.connectTimeoutMs,
    MCP_CLIENT_DEFAULTS.connectTimeoutMs,
    `${label}: connectTimeoutMs`,
  )
  const maxReconnectAttempts = options.maxReconnectAttempts ?? MCP_CLIENT_DEFAULTS.maxReconnectAttempts
  if (!Number.isInteger(maxReconnectAttempts) || maxReconnectAttempts < 0) {
    throw new ConfigError({
      message: `${label}: maxReconnectAttempts must be a whole number >= 0; got ${describeValue(options.maxReconnectAttempts)}.`,
    })
  }
  const reconnectDelayMs = positive(
    options.reconnectDelayMs,
    MCP_CLIENT_DEFAULTS.reconnectDelayMs,
    `${label}: reconnectDelayMs`,
  )
  checkApproval(options.needsApproval, `${label}: needsApproval`)
  for (const [toolName, settings] of Object.entries(options.tools ?? {})) {
    const field = `${label}: tools[${JSON.stringify(toolName)}]`
    if (typeof settings !== 'object' || settings === null) {
      throw new ConfigError({
        message: `${field} must be an object { timeoutMs?, needsApproval?, idempotent?, description? }.`,
      })
    }
    checkOptionKeys(settings, TOOL_KEYS, field)
    if (settings.timeoutMs !== undefined) positive(settings.timeoutMs, 0, `${field}.timeoutMs`)
    checkApproval(settings.needsApproval, `${field}.needsApproval`)
  }
  return {
    ...options,
    timeoutMs,
    connectTimeoutMs,
    maxReconnectAttempts,
    reconnectDelayMs,
    strict: options.strict ?? true,
  }
}

function checkUrl(url: unknown, label: string): void {
  let parsed: URL
  try {
    parsed = url instanceof URL ? url : new URL(String(url))
  } catch {
    throw new ConfigError({
      message: `${label}: url must be an absolute http(s) URL such as https://example.com/mcp; got ${describeValue(url)}.`,
    })
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError({
      message: `${label}: url must use http or https (Streamable HTTP); got ${parsed.protocol}. For a local server use command instead.`,
    })
  }
}

function checkApproval(value: unknown, field: string): void {
  if (value !== undefined && typeof value !== 'boolean' && typeof value !== 'function') {
    throw new ConfigError({
      message: `${field} must be true, false or a function ({ toolName, arguments }) => boolean; got ${describeValue(value)}.`,
    })
  }
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError({
      message: `${field} must be a positive number of milliseconds; got ${describeValue(value)}.`,
    })
  }
  return value
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}
