/**
 * The agents a server stores as data (`POST /api/agents`), for a process that runs them without
 * serving HTTP: `agentloop worker` gives this to its runtime as `resolveRunnable`, so a run of a
 * stored agent submitted to the server runs on any worker sharing its storage and queue. Stored
 * providers are read the same way (their API keys opened with the same secret).
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import type { Runtime } from '../run/runtime.js'
import type { ToolRegistry } from '../tool/tool-registry.js'
import { type AgentCatalog, createAgentCatalog } from './agent-catalog.js'
import { createProviderStore } from './provider-store.js'
import { serverDriver } from './record-store.js'
import { createSecretBox } from './secret-box.js'

/** Options of {@link createStoredAgentResolver}. */
export interface StoredAgentResolverOptions {
  /**
   * The runtime whose storage holds the server's records and whose model registry resolves
   * references; a function returning it when the resolver is made before the runtime (as its
   * `resolveRunnable` option). Read on the first call.
   */
  runtime: Runtime | (() => Runtime)
  /** The tools stored agents may name (the server's `tools`). */
  tools?: ToolRegistry | undefined
  /** The server's secret (default `AGENTLOOP_SECRET`), to open stored providers' API keys. */
  secret?: string | undefined
}

/**
 * `(name) => the stored agent of that name, built` (undefined for a name that is not stored, or a
 * code agent: those come from the process's own config). A stored agent that changed is built
 * again; one that cannot be built (a tool no longer registered) throws a `ConfigError`, which fails
 * the run that asked for it.
 */
export function createStoredAgentResolver(
  options: StoredAgentResolverOptions,
): (name: string) => Promise<Agent<unknown, unknown> | undefined> {
  const secret = options.secret ?? process.env.AGENTLOOP_SECRET
  let catalog: AgentCatalog | undefined
  return async (name) => {
    if (catalog === undefined) {
      const runtime = typeof options.runtime === 'function' ? options.runtime() : options.runtime
      const driver = serverDriver(runtime.storage)
      catalog = createAgentCatalog({
        driver,
        runtime,
        agents: [],
        tools: options.tools,
        providers: createProviderStore(driver, secret === undefined ? undefined : createSecretBox(secret)),
      })
    }
    const entry = await catalog.get(name)
    return entry?.info.source === 'stored' ? entry.agent : undefined
  }
}
