import type { OpenAPIHono } from '@hono/zod-openapi'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'
import type { CheckedServerOptions } from './server-options.js'
import type { Shutdown } from './shutdown.js'

/** Everything route groups beyond health and keys need. */
export type RouteOptions = CheckedServerOptions & { shutdown: Shutdown }

/** Adds the API route groups (agents, providers, sessions, chat, OpenAI-compatible, runs). */
export function registerApiRoutes(
  _app: OpenAPIHono<ServerEnv>,
  _server: ServerContext,
  _options: RouteOptions,
): void {}
