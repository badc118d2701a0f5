import type { OpenAPIHono } from '@hono/zod-openapi'
import { createAgentCatalog } from './agent-catalog.js'
import { registerAgentRoutes } from './agent-routes.js'
import { registerBudgetRoutes } from './budget-routes.js'
import { registerOpenAIRoutes } from './openai-routes.js'
import { createOwnership } from './ownership.js'
import { registerProviderRoutes } from './provider-routes.js'
import { createProviderStore } from './provider-store.js'
import { serverDriver } from './record-store.js'
import { createRunLauncher } from './run-launcher.js'
import { registerRunRequestsRoute } from './run-requests-route.js'
import { registerRunRoutes } from './run-routes.js'
import { createSecretBox } from './secret-box.js'
import type { ServerContext } from './server-context.js'
import type { ServerEnv } from './server-env.js'
import type { CheckedServerOptions } from './server-options.js'
import { registerSessionRoutes } from './session-routes.js'
import type { Shutdown } from './shutdown.js'
import { continueTraceContext } from './trace-context.js'
import { registerUsageRoutes } from './usage-routes.js'
import { registerWorkflowRoutes } from './workflow-routes.js'

/** Everything route groups beyond health and keys need. */
export type RouteOptions = CheckedServerOptions & { shutdown: Shutdown }

/** Adds the API route groups (agents, providers, sessions, chat, OpenAI-compatible, runs, workflows). */
export function registerApiRoutes(
  app: OpenAPIHono<ServerEnv>,
  server: ServerContext,
  options: RouteOptions,
): void {
  // Before the routes, so that the runs they start continue an incoming traceparent.
  const traceContext = continueTraceContext(server.runtime)
  if (traceContext !== undefined) for (const path of ['/api/*', '/v1/*']) app.use(path, traceContext)
  const driver = serverDriver(server.storage)
  const ownership = createOwnership(driver)
  const providers = createProviderStore(
    driver,
    options.secret === undefined ? undefined : createSecretBox(options.secret),
  )
  const catalog = createAgentCatalog({
    driver,
    runtime: server.runtime,
    agents: options.agents ?? [],
    tools: options.tools,
    providers,
  })
  const launcher = createRunLauncher({ server, ownership, shutdown: options.shutdown })
  registerAgentRoutes(app, server, { catalog, ownership, launcher, options })
  registerProviderRoutes(app, server, providers)
  registerSessionRoutes(app, server, ownership)
  registerOpenAIRoutes(app, server, { catalog, launcher, options })
  registerRunRoutes(app, server, { catalog, ownership, options })
  registerWorkflowRoutes(app, server, { ownership, options })
  registerRunRequestsRoute(app, server, ownership)
  registerUsageRoutes(app, server)
  registerBudgetRoutes(app, server)
}
