import type { Logger } from 'pino'
import type { Agent } from '../agent/agent.js'
import { checkOptionKeys, checkOptionsObject } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { CircuitBreakers } from '../model/circuit-breakers.js'
import { Runtime } from '../run/runtime.js'
import type { ToolRegistry } from '../tool/tool-registry.js'
import { checkMcpOption, type ServerMcpOptions } from './mcp-route.js'
import type { ConfiguredApiKey } from './principal.js'
import type { LimitOptions } from './rate-limits.js'
import type { LogOptions } from './server-logger.js'
import type { Spend } from './spend.js'

/** Options of `createServer`. */
export interface ServerOptions {
  /** The runtime that runs the agents; its storage keeps sessions, runs, keys, agents and providers. */
  runtime: Runtime
  /**
   * Keys accepted besides stored ones (tests, single-user setups): a plain string (owner
   * `default`, every scope) or `{ key, owner, scopes? }`. At least 16 characters each.
   */
  apiKeys?: ConfiguredApiKey | readonly ConfiguredApiKey[]
  /**
   * `keys` (default): every `/api` and `/v1` route needs `Authorization: Bearer <key>`. `none`: no
   * authentication, every request acts as owner `default` with every scope, for local use only:
   * the server then refuses to listen anywhere but a loopback address.
   */
  auth?: 'keys' | 'none'
  /** Where `listen` binds (default `127.0.0.1`; `0.0.0.0` to serve other machines, with keys). */
  hostname?: string
  /** Agents registered in code and served by name (besides those stored with POST /api/agents). */
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
  agents?: readonly Agent<any, any>[]
  /** The tools stored agents may name (`tools: ['search']`). */
  tools?: ToolRegistry
  /**
   * The server secret (at least 32 characters) that encrypts provider API keys at rest
   * (AES-256-GCM). Default: `AGENTLOOP_SECRET`. Without one, providers cannot store an API key.
   */
  secret?: string
  /** Largest request body accepted, in bytes (default 1 MiB); larger ones get 413. */
  bodyLimitBytes?: number
  /** Allowed browser origins; CORS is off (no CORS headers) unless given. */
  cors?: { origins: readonly string[] }
  /** Per-key rate and concurrency limits. */
  limits?: LimitOptions
  /** pino options (`{ level, destination }`) or a pino logger. */
  logger?: LogOptions | Logger
  /** How long shutdown waits for runs in flight (default 10,000 ms). */
  shutdownGraceMs?: number
  /** Interval of SSE keep-alive comments (default 15,000 ms). */
  sseKeepAliveMs?: number
  /** More readiness probes (name -> a promise that resolves when the dependency answers). */
  readinessChecks?: Record<string, () => Promise<unknown>>
  /**
   * The circuit breakers of the runtime's models (`createCircuitBreakers()`): their state is shown
   * in `GET /health` and `GET /api/admin/circuits`, and an admin resets one with
   * `POST /api/admin/circuits/{key}/reset`. An open circuit never makes the server unready.
   */
  circuitBreakers?: CircuitBreakers
  /**
   * Serve the runtime's agents over MCP (Streamable HTTP) at `/mcp`, behind the server's API keys
   * (a key with the `run` scope): `true`, or the options of `createMcpHttpHandler` without
   * `authenticate` (name, agents, workflows, functions...). Needs the optional peer
   * `@modelcontextprotocol/server`; `listen` fails with a `ConfigError` without it. Default off.
   */
  mcp?: boolean | ServerMcpOptions
  /**
   * Usage and budgets (`createSpend({ storage, prices })`): `GET /api/usage`, budget routes, and
   * budget checks before runs start. The runtime must record and enforce it too:
   * `new Runtime({ observers: [spend], hooks: [spend.hooks] })`.
   */
  spend?: Spend
}

/** The options with defaults applied. */
export type CheckedServerOptions = Omit<ServerOptions, 'apiKeys' | 'mcp'> & {
  mcp: ServerMcpOptions | undefined
  apiKeys: readonly ConfiguredApiKey[]
  auth: 'keys' | 'none'
  hostname: string
  bodyLimitBytes: number
  shutdownGraceMs: number
  sseKeepAliveMs: number
  secret: string | undefined
}

const KEYS = [
  'runtime',
  'apiKeys',
  'auth',
  'hostname',
  'agents',
  'tools',
  'secret',
  'bodyLimitBytes',
  'cors',
  'limits',
  'logger',
  'shutdownGraceMs',
  'sseKeepAliveMs',
  'readinessChecks',
  'circuitBreakers',
  'mcp',
  'spend',
] as const

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError({
      message: `createServer: ${field} must be a positive integer; got ${String(value)}.`,
    })
  }
  return value
}

/** Checks `createServer` options: unknown keys, types, and the local-mode binding rule. */
export function checkServerOptions(input: ServerOptions): CheckedServerOptions {
  const options = checkOptionsObject(input, 'createServer(options)')
  checkOptionKeys(options, KEYS, 'createServer')
  if (!(options.runtime instanceof Runtime)) {
    throw new ConfigError({
      message: 'createServer: runtime must be a Runtime (new Runtime({ storage, agents })).',
    })
  }
  const auth = options.auth ?? 'keys'
  if (auth !== 'keys' && auth !== 'none') {
    throw new ConfigError({
      message: `createServer: auth must be "keys" or "none"; got ${JSON.stringify(auth)}.`,
    })
  }
  const hostname = options.hostname ?? '127.0.0.1'
  if (auth === 'none' && !LOOPBACK.has(hostname)) {
    throw new ConfigError({
      message: `createServer: auth "none" (no API keys) is for local use and binds to 127.0.0.1 only; got hostname "${hostname}". Use API keys to serve other machines.`,
    })
  }
  const apiKeys =
    options.apiKeys === undefined ? [] : Array.isArray(options.apiKeys) ? options.apiKeys : [options.apiKeys]
  const secret = options.secret ?? process.env.AGENTLOOP_SECRET
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 32)) {
    throw new ConfigError({
      message:
        'createServer: secret (or AGENTLOOP_SECRET) must be at least 32 characters; generate one with `openssl rand -base64 32`.',
    })
  }
  const breakers = options.circuitBreakers as { list?: unknown; reset?: unknown } | undefined
  if (
    breakers !== undefined &&
    (typeof breakers?.list !== 'function' || typeof breakers.reset !== 'function')
  ) {
    throw new ConfigError({
      message:
        'createServer: circuitBreakers must be a registry made by createCircuitBreakers() (from agentloop/config).',
    })
  }
  if (options.spend !== undefined) checkSpendWiring(options.runtime, options.spend)
  if (options.cors !== undefined && !Array.isArray(options.cors?.origins)) {
    throw new ConfigError({ message: 'createServer: cors must be { origins: ["https://app.example"] }.' })
  }
  return {
    ...options,
    apiKeys: apiKeys as readonly ConfiguredApiKey[],
    auth,
    hostname,
    secret: secret === '' ? undefined : secret,
    mcp: checkMcpOption(options.mcp),
    bodyLimitBytes: positive(options.bodyLimitBytes, 1024 * 1024, 'bodyLimitBytes'),
    shutdownGraceMs: positive(options.shutdownGraceMs, 10_000, 'shutdownGraceMs'),
    sseKeepAliveMs: positive(options.sseKeepAliveMs, 15_000, 'sseKeepAliveMs'),
  }
}

/** A server with `spend` needs a runtime that records usage and checks budgets with the same object. */
function checkSpendWiring(runtime: Runtime, spend: Spend): void {
  if (typeof spend?.admit !== 'function' || typeof spend.observe !== 'function') {
    throw new ConfigError({
      message: 'createServer: spend must be made by createSpend({ storage, prices }).',
    })
  }
  const hooks = runtime.hooks
  const hooked = Array.isArray(hooks) ? hooks.includes(spend.hooks) : hooks === spend.hooks
  if (runtime.observers?.includes(spend) !== true || !hooked) {
    throw new ConfigError({
      message:
        'createServer: spend is given, but the runtime does not record usage or check budgets with it; create the runtime with new Runtime({ storage, observers: [spend], hooks: [spend.hooks] }) (add your own hooks to that list).',
    })
  }
}
