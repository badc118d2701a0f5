/**
 * `createServer({ runtime, ... })`: the HTTP API over a runtime. Middleware in order: request id,
 * log line, secure headers, CORS (only when configured), body limit; public routes (health,
 * OpenAPI, docs); then authentication and the per-key rate limit in front of `/api` and `/v1`.
 *
 * @module
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { OpenAPIHono } from '@hono/zod-openapi'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { createMemoryStorage } from '../storage/memory/create-memory-storage.js'
import { API_KEY_SCOPES, createApiKeyStore, DEFAULT_OWNER } from './api-key-store.js'
import { type AuthMode, authenticate } from './auth-middleware.js'
import { limitBodySize } from './body-limit.js'
import { registerCircuitRoutes } from './circuit-routes.js'
import { registerDocsPage } from './docs-page.js'
import { registerHealthRoutes } from './health-routes.js'
import { HttpError, toHttpError } from './http-error.js'
import { registerKeyRoutes } from './key-routes.js'
import { registerMcpRoute } from './mcp-route.js'
import { openAIErrorBody } from './openai-error.js'
import { registerPlaygroundRoutes } from './playground-routes.js'
import { createAuthenticator } from './principal.js'
import { createLimits } from './rate-limits.js'
import { registerApiRoutes } from './register-api-routes.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'
import { createServerLogger, requestLog } from './server-logger.js'
import { checkServerOptions, type ServerOptions } from './server-options.js'
import { createShutdown, type Shutdown } from './shutdown.js'
import { validationHook } from './validation-hook.js'

/** A listening server. */
export interface ListeningServer {
  readonly port: number
  readonly hostname: string
  /** `http://<hostname>:<port>` */
  readonly url: string
  /** Graceful shutdown: see {@link AgentLoopServer.close}. */
  close(): Promise<void>
}

/** What `createServer` returns. */
export interface AgentLoopServer {
  /** The web-standard handler: `(request) => Response` (tests, other runtimes, mounting). */
  fetch(request: Request, env?: unknown): Response | Promise<Response>
  /** Listens on `port` (0: any free port) at `options.hostname` (default 127.0.0.1). */
  listen(port?: number): Promise<ListeningServer>
  /**
   * Graceful shutdown: readiness fails at once, new runs are refused, the socket stops accepting,
   * open event streams get a final `: shutdown` comment and end, runs in flight get
   * `shutdownGraceMs` to finish (they checkpoint after every step either way), then open
   * connections are closed.
   */
  close(): Promise<void>
  /** The Hono app, to add routes (mount the MCP handler...) before listening. */
  readonly app: OpenAPIHono<ServerEnv>
  /** What the routes share. */
  readonly context: ServerContext
}

/**
 * The HTTP API of agentloop over a runtime: agents, sessions, runs with SSE, the OpenAI-compatible
 * endpoint, API keys and limits, health, the OpenAPI document and docs page.
 *
 * @example
 * const server = createServer({ runtime, apiKeys: [process.env.AGENTLOOP_API_KEY as string] })
 * const { url } = await server.listen(8000)
 */
export function createServer(input: ServerOptions): AgentLoopServer {
  const options = checkServerOptions(input)
  const storage = options.runtime.storage ?? createMemoryStorage()
  const keys = createApiKeyStore(storage)
  const logger = createServerLogger(options.logger)
  const limits = createLimits(options.limits)
  const redis = options.limits?.redis
  const server: ServerContext = {
    runtime: options.runtime,
    storage,
    keys,
    limits,
    logger,
    draining: false,
    readinessChecks: {
      ...(redis === undefined ? {} : { redis: () => redis.ping() }),
      ...options.readinessChecks,
    },
    circuitBreakers: options.circuitBreakers,
    startedAt: Date.now(),
    spend: options.spend,
    configuredOwners: new Map(
      options.apiKeys.map((entry, index) => [
        `config:${index}`,
        (typeof entry === 'string' ? undefined : entry.owner) ?? DEFAULT_OWNER,
      ]),
    ),
  }
  const auth: AuthMode =
    options.auth === 'none'
      ? { mode: 'none', principal: { keyId: 'local', owner: DEFAULT_OWNER, scopes: [...API_KEY_SCOPES] } }
      : { mode: 'keys', authenticate: createAuthenticator({ configured: options.apiKeys, store: keys }) }

  const app = new OpenAPIHono<ServerEnv>({ defaultHook: validationHook })
  app.use(requestId({ limitLength: 128 }))
  app.use(requestLog(logger))
  app.use(secureHeaders({ crossOriginResourcePolicy: 'same-origin' }))
  if (options.cors !== undefined) {
    app.use(
      cors({
        origin: [...options.cors.origins],
        allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
        exposeHeaders: ['X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After'],
        maxAge: 600,
      }),
    )
  }
  app.use(limitBodySize(options.bodyLimitBytes))
  app.onError((error, context) => {
    const httpError =
      error instanceof HTTPException && !(error instanceof HttpError)
        ? fromHonoException(error)
        : toHttpError(error)
    if (httpError.status >= 500) context.get('logger')?.error({ err: error }, 'request failed')
    for (const [name, value] of Object.entries(httpError.headers)) context.header(name, value)
    const body = context.req.path.startsWith('/v1/') ? openAIErrorBody(httpError) : httpError.toBody()
    return context.json(body, httpError.status as 500)
  })
  app.notFound((context) => {
    const error = new HttpError({
      type: 'not_found',
      message: `No route ${context.req.method} ${context.req.path}; GET /openapi.json lists the routes.`,
    })
    return context.json(context.req.path.startsWith('/v1/') ? openAIErrorBody(error) : error.toBody(), 404)
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: `al_<keyId>_<secret>` (or one given to createServer({ apiKeys }))',
  })

  registerHealthRoutes(app, server)
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'agentloop',
      version: '0.1.0',
      description: 'Agents, sessions, runs with resumable SSE, and an OpenAI-compatible endpoint.',
    },
  })
  registerDocsPage(app)
  registerPlaygroundRoutes(app)
  const guard = authenticate(auth, limits)
  app.use('/api/*', guard)
  app.use('/v1/*', guard)
  registerKeyRoutes(app, server)
  registerCircuitRoutes(app, server)
  const shutdown: Shutdown = createShutdown({ server, graceMs: options.shutdownGraceMs })
  registerApiRoutes(app, server, { ...options, shutdown })
  const mcp =
    options.mcp === undefined ? undefined : registerMcpRoute(app, server, { mcp: options.mcp, guard })
  const close = async () => {
    await shutdown.close()
    await mcp?.close()
  }

  return {
    app,
    context: server,
    fetch: (request, env) => app.fetch(request, env as never),
    async listen(port = 0) {
      const hostname = options.hostname
      // A missing MCP package or nothing to serve fails here, not on a client's first request.
      await mcp?.ready()
      const node = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
        const instance = serve({ fetch: app.fetch, port, hostname }, () => resolve(instance))
        instance.once('error', reject)
      })
      shutdown.attach(node)
      const address = node.address() as AddressInfo
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
      logger.info({ url: `http://${shown}:${address.port}`, auth: options.auth }, 'listening')
      return {
        port: address.port,
        hostname: address.address,
        url: `http://${shown}:${address.port}`,
        close,
      }
    },
    close,
  }
}

function fromHonoException(error: HTTPException): HttpError {
  switch (error.status) {
    case 400:
      return new HttpError({
        type: 'invalid_json',
        message: `The request body is not valid JSON (${error.message}).`,
      })
    case 413:
      return new HttpError({ type: 'payload_too_large', message: error.message })
    case 415:
      return new HttpError({
        type: 'unsupported_media_type',
        message: 'Send the body as Content-Type: application/json.',
      })
    case 401:
      return new HttpError({ type: 'unauthorized', message: error.message })
    default:
      return new HttpError({
        type: error.status === 404 ? 'not_found' : 'invalid_request',
        message: error.message,
      })
  }
}
