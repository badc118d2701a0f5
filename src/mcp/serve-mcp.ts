/**
 * Serving a runtime's agents over MCP: on this process's stdin/stdout (`serveMcpStdio`, what the
 * `agentloop mcp` command runs) or as a web-standard `fetch` handler for Streamable HTTP
 * (`createMcpHttpHandler`, mounted by the HTTP server at `/mcp`, with your API-key check).
 *
 * @module
 */
import type { Readable, Writable } from 'node:stream'
import type { AuthInfo } from '@modelcontextprotocol/server'
import { ConfigError } from '../errors/errors.js'
import { importOptionalPeer } from '../errors/optional-peer.js'
import type { Runtime } from '../run/runtime.js'
import {
  authInfoOf,
  buildMcpServer,
  loadServerPackage,
  type McpCaller,
  reportTo,
  resolveServeOptions,
  type ServeMcpOptions,
} from './serve-runtime.js'

/** Options of `serveMcpStdio`. */
export interface ServeMcpStdioOptions extends ServeMcpOptions {
  /** Read from this stream instead of `process.stdin` (tests, sockets). */
  stdin?: Readable
  /** Write to this stream instead of `process.stdout`. Nothing else may write to it. */
  stdout?: Writable
}

/** A running stdio server. */
export interface McpStdioServer {
  /** Stops serving and closes the streams' MCP connection. In-flight runs are cancelled. */
  close(): Promise<void>
}

/**
 * Serves the runtime's agents over stdio until stdin ends. Nothing else may write to stdout: log
 * to stderr.
 *
 * @example
 * const runtime = new Runtime({ agents: [support] })
 * await serveMcpStdio(runtime, { name: 'support-bot' })
 */
export async function serveMcpStdio(
  runtime: Runtime,
  options: ServeMcpStdioOptions = {},
): Promise<McpStdioServer> {
  const surface = resolveServeOptions(runtime, options, ['stdin', 'stdout'], 'serveMcpStdio')
  const { serveStdio, StdioServerTransport } = await importOptionalPeer(
    // biome-ignore lint/style/noRestrictedImports: the npm package's stdio entry, not agentloop's src/server
    () => import('@modelcontextprotocol/server/stdio'),
    { packageName: '@modelcontextprotocol/server', subpath: 'agentloop/mcp' },
  )
  const transport =
    options.stdin === undefined && options.stdout === undefined
      ? undefined
      : new StdioServerTransport(options.stdin, options.stdout)
  const handle = serveStdio(() => buildMcpServer(runtime, surface, undefined), {
    ...(transport === undefined ? {} : { transport }),
    onerror: reportTo(options),
  })
  return { close: () => handle.close() }
}

/** Options of `createMcpHttpHandler`. */
export interface McpHttpHandlerOptions extends ServeMcpOptions {
  /**
   * Decides who may call: given the request, return the caller (for instance the owner of a valid
   * `Authorization: Bearer <key>`), or `undefined` to answer 401. Required: pass
   * `() => ({ id: 'anonymous' })` to serve without authentication, on purpose.
   */
  authenticate: (request: Request) => McpCaller | undefined | Promise<McpCaller | undefined>
  /**
   * Host names the endpoint answers to (DNS-rebinding protection), e.g. `['localhost',
   * '127.0.0.1', 'api.example.com']`. Default: any host (put it behind your own checks).
   */
  allowedHosts?: readonly string[]
}

/** A Streamable HTTP endpoint: mount `fetch` at `/mcp` (all methods). */
export interface McpHttpHandler {
  fetch(request: Request): Promise<Response>
  /** Aborts in-flight requests (their runs are cancelled). */
  close(): Promise<void>
}

/**
 * A stateless Streamable HTTP MCP endpoint serving the runtime's agents, for any server that speaks
 * web-standard `Request`/`Response` (Hono: `app.all('/mcp', (c) => mcp.fetch(c.req.raw))`).
 */
export async function createMcpHttpHandler(
  runtime: Runtime,
  options: McpHttpHandlerOptions,
): Promise<McpHttpHandler> {
  const surface = resolveServeOptions(
    runtime,
    options,
    ['authenticate', 'allowedHosts'],
    'createMcpHttpHandler',
  )
  if (typeof options.authenticate !== 'function') {
    throw new ConfigError({
      message:
        "createMcpHttpHandler: authenticate is required: (request) => caller | undefined, e.g. checking an API key in the Authorization header. To serve without authentication, pass authenticate: () => ({ id: 'anonymous' }).",
    })
  }
  const { createMcpHandler, hostHeaderValidationResponse } = await loadServerPackage()
  const handler = createMcpHandler(({ authInfo }) => buildMcpServer(runtime, surface, callerOf(authInfo)), {
    // Rejected requests are answered to their client; they reach a log only when asked for.
    onerror: options.onError ?? (() => {}),
  })
  const allowedHosts = options.allowedHosts === undefined ? undefined : [...options.allowedHosts]
  return {
    async fetch(request) {
      if (allowedHosts !== undefined) {
        const rejected = hostHeaderValidationResponse(request, allowedHosts)
        if (rejected !== undefined) return rejected
      }
      let caller: McpCaller | undefined
      try {
        caller = await options.authenticate(request)
      } catch {
        caller = undefined
      }
      if (caller === undefined || typeof caller.id !== 'string') {
        return Response.json(
          {
            error: {
              type: 'unauthorized',
              message: 'Send a valid API key: Authorization: Bearer <key>.',
            },
          },
          { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
        )
      }
      return handler.fetch(request, { authInfo: authInfoOf(caller) })
    },
    close: () => handler.close(),
  }
}

function callerOf(authInfo: AuthInfo | undefined): McpCaller | undefined {
  if (authInfo === undefined) return undefined
  const keyId = authInfo.extra?.keyId
  return {
    id: authInfo.clientId,
    scopes: authInfo.scopes,
    ...(typeof keyId === 'string' ? { keyId } : {}),
  }
}
