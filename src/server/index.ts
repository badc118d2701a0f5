/**
 * agentloop/server: the HTTP API over a runtime (hono). Agents, providers, sessions, runs with
 * resumable SSE, an OpenAI-compatible `/v1/chat/completions`, API keys with scopes and per-key
 * limits, workflows with runs paused for a person, health, an OpenAPI 3.1 document and a docs page,
 * and optionally MCP at `/mcp`. Optional peers: hono, @hono/node-server, @hono/zod-openapi, pino,
 * rate-limiter-flexible (and @modelcontextprotocol/server for `mcp`).
 *
 * @example
 * import { Runtime } from 'agentloop'
 * import { createServer } from 'agentloop/server'
 *
 * const server = createServer({ runtime: new Runtime({ agents: [agent] }), apiKeys: [process.env.API_KEY as string] })
 * await server.listen(8000)
 *
 * @module
 */

export { type BudgetExceeded, BudgetExceededError } from '../errors/budget-exceeded-error.js'
export {
  API_KEY_SCOPES,
  type ApiKeyInfo,
  type ApiKeyScope,
  type ApiKeyStore,
  type CreateApiKeyInput,
  createApiKeyStore,
  DEFAULT_OWNER,
} from './api-key-store.js'
export type { Attribution, Budget, BudgetLimits } from './budget-store.js'
export { type AgentLoopServer, createServer, type ListeningServer } from './create-server.js'
export type { ErrorBody, ErrorType } from './http-error.js'
export type { ServerMcpOptions } from './mcp-route.js'
export type { ModelPrice, PriceTable } from './price-table.js'
export type { ConfiguredApiKey, Principal } from './principal.js'
export type { LimitOptions } from './rate-limits.js'
export type { LogOptions } from './server-logger.js'
export type { ServerOptions } from './server-options.js'
export { type Charge, createSpend, type Spend, type SpendOptions } from './spend.js'
export { createStoredAgentResolver, type StoredAgentResolverOptions } from './stored-agents.js'
export type { UsageGroup, UsageQuery, UsageReport, UsageSums } from './usage-report.js'
