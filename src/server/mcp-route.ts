/**
 * The MCP endpoint of the server (`createServer({ mcp: true })`): the runtime's agents (and the
 * workflows and LLM functions given in the options) as MCP tools over Streamable HTTP at `/mcp`,
 * behind the server's own authentication and rate limit (`Authorization: Bearer <key>`, a key with
 * the `run` scope). The MCP packages are optional peers: they load when the server starts
 * listening (or on the first request), never when `mcp` is off.
 *
 * @module
 */

import type { OpenAPIHono } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { ConfigError } from '../errors/errors.js'
import type { McpHttpHandler, McpHttpHandlerOptions } from '../mcp/serve-mcp.js'
import { createOwnership } from './ownership.js'
import { type Principal, requireScope } from './principal.js'
import { serverDriver } from './record-store.js'
import { chargeRun } from './run-launcher.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'

/** Options of the MCP endpoint: those of `createMcpHttpHandler`, but authentication is the server's. */
export type ServerMcpOptions = Omit<McpHttpHandlerOptions, 'authenticate'>

/** The mounted endpoint. */
export interface McpMount {
  /** Loads the MCP packages and builds the handler (once); throws a `ConfigError` when they are missing. */
  ready(): Promise<McpHttpHandler>
  close(): Promise<void>
}

/** The path of the endpoint. */
export const MCP_PATH = '/mcp'

/** Checks `createServer({ mcp })`: `true`, `false`, or the options object. */
export function checkMcpOption(value: unknown): ServerMcpOptions | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError({
      message: `createServer: mcp must be true, false or the options of createMcpHttpHandler without authenticate ({ name?, agents?, workflows?, functions?, ... }); got ${JSON.stringify(value)}.`,
    })
  }
  if ('authenticate' in value) {
    throw new ConfigError({
      message:
        "createServer: mcp.authenticate is not taken: the server's /mcp endpoint uses the server's API keys (the run scope). Mount createMcpHttpHandler yourself (server.app) for your own check.",
    })
  }
  return value as ServerMcpOptions
}

/** Adds `/mcp` (GET, POST, DELETE) behind `guard`; the handler is built on first need. */
export function registerMcpRoute(
  app: OpenAPIHono<ServerEnv>,
  server: ServerContext,
  options: { mcp: ServerMcpOptions; guard: MiddlewareHandler<ServerEnv> },
): McpMount {
  // The principal the guard found for a request, for the handler's `authenticate`.
  const principals = new WeakMap<Request, Principal>()
  const ownership = createOwnership(serverDriver(server.storage))
  let handler: Promise<McpHttpHandler> | undefined
  const ready = () => {
    handler ??= import('../mcp/serve-mcp.js').then(({ createMcpHttpHandler }) =>
      createMcpHttpHandler(server.runtime, {
        onError: (error) => server.logger.warn({ err: error }, 'mcp request failed'),
        ...options.mcp,
        // Runs and sessions made over MCP belong to the key's owner, and its usage to the key.
        onRunStart: async ({ runId, sessionId, caller }) => {
          if (caller?.keyId === undefined) return
          const principal: Principal = {
            keyId: caller.keyId,
            owner: caller.id,
            scopes: (caller.scopes ?? []) as Principal['scopes'],
          }
          await ownership.record('run', runId, principal.owner)
          if (sessionId !== undefined && (await server.storage.sessions.get(sessionId)) === null) {
            await ownership.record('session', sessionId, principal.owner)
          }
          await chargeRun(server, { runId, principal, sessionId })
        },
        authenticate: (request) => {
          const principal = principals.get(request)
          return principal === undefined
            ? undefined
            : { id: principal.owner, scopes: principal.scopes, keyId: principal.keyId }
        },
      }),
    )
    return handler
  }
  app.use(MCP_PATH, options.guard)
  app.on(['GET', 'POST', 'DELETE'], MCP_PATH, async (context) => {
    const principal = context.get('principal')
    requireScope(principal, 'run')
    const request = context.req.raw
    principals.set(request, principal)
    return (await ready()).fetch(request)
  })
  return {
    ready,
    async close() {
      if (handler !== undefined) await (await handler.catch(() => undefined))?.close()
    },
  }
}
