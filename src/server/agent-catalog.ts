/**
 * The agents the server serves: those registered in code (`createServer({ agents })`) and those
 * stored as data (`POST /api/agents`: instructions, a model reference, tool names from the tool
 * registry, settings). A stored agent becomes an `Agent` when first used, rebuilt when it changes.
 *
 * @module
 */
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { ConfigError } from '../errors/errors.js'
import { parseModelReference } from '../model/model-registry.js'
import type { Runtime } from '../run/runtime.js'
import type { StoreDriver } from '../storage/store-driver.js'
import type { ToolRegistry } from '../tool/tool-registry.js'
import { HttpError } from './http-error.js'
import type { ProviderStore } from './provider-store.js'
import { recordCollection } from './record-store.js'

/** Settings a stored agent may set. */
export const AgentSettings = z
  .object({
    maxTurns: z.number().int().min(1).max(1000).optional(),
    toolChoice: z.enum(['auto', 'required', 'none']).optional(),
    parallelToolCalls: z.boolean().optional(),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().min(0).max(1).optional(),
    maxOutputTokens: z.number().int().min(1).optional(),
  })
  .strict()

/** An agent as the API shows it. */
export interface AgentInfo {
  name: string
  source: 'code' | 'stored'
  description?: string | undefined
  instructions?: string | undefined
  model: string
  tools: string[]
  settings?: z.infer<typeof AgentSettings> | undefined
  owner?: string | undefined
  createdAt?: number | undefined
  updatedAt?: number | undefined
}

const StoredAgent = z.object({
  version: z.literal(1),
  name: z.string(),
  description: z.string().optional(),
  instructions: z.string(),
  model: z.string(),
  tools: z.array(z.string()),
  settings: AgentSettings,
  owner: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
})
type StoredAgent = z.infer<typeof StoredAgent>

/** What `POST /api/agents` sends. */
export interface CreateAgentInput {
  name: string
  description?: string | undefined
  instructions: string
  model: string
  tools?: string[] | undefined
  settings?: z.infer<typeof AgentSettings> | undefined
}

/** A resolved agent. */
export interface CatalogEntry {
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
  agent: Agent<any, any>
  info: AgentInfo
}

/** Code and stored agents by name. */
export interface AgentCatalog {
  get(name: string): Promise<CatalogEntry | null>
  /**
   * Makes the runtime able to run (`submit`) and resume the agent by name: a stored agent is
   * registered on the runtime, again when it changed.
   */
  register(entry: CatalogEntry): Promise<void>
  list(owner?: string): Promise<AgentInfo[]>
  create(input: CreateAgentInput, owner: string): Promise<AgentInfo>
  delete(name: string): Promise<boolean>
}

function codeInfo(agent: Agent<unknown, unknown>): AgentInfo {
  return {
    name: agent.name,
    source: 'code',
    ...(typeof agent.instructions === 'string' ? { instructions: agent.instructions } : {}),
    model: `${agent.model.provider}:${agent.model.modelId}`,
    tools: agent.tools.map((entry) => entry.name),
  }
}

function storedInfo(stored: StoredAgent): AgentInfo {
  const { version: _version, ...rest } = stored
  return { ...rest, source: 'stored' }
}

/** The catalog of a server. */
export function createAgentCatalog(options: {
  driver: StoreDriver
  runtime: Runtime
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
  agents: readonly Agent<any, any>[]
  tools: ToolRegistry | undefined
  providers: ProviderStore
}): AgentCatalog {
  const records = recordCollection(options.driver, 'server.agent', StoredAgent)
  const code = new Map(options.agents.map((agent) => [agent.name, agent as Agent<unknown, unknown>]))
  // Agents registered on the runtime are served too.
  for (const registered of options.runtime.runnables.list()) {
    if (registered.kind === 'agent' && !code.has(registered.name)) code.set(registered.name, registered.agent)
  }
  const built = new Map<string, { updatedAt: number; agent: Promise<Agent<unknown, unknown>> }>()

  async function build(stored: StoredAgent): Promise<Agent<unknown, unknown>> {
    const { provider, modelId } = parseModelReference(stored.model)
    const model =
      (await options.providers.get(provider)) !== null
        ? await options.providers.model(provider, modelId)
        : stored.model
    const tools = stored.tools.map((name) => {
      const found = options.tools?.get(name)
      if (found === undefined) {
        throw new ConfigError({
          message: `Stored agent "${stored.name}" names tool "${name}", which is not in the server's tool registry any more.`,
        })
      }
      return found
    })
    const { maxTurns, toolChoice, parallelToolCalls, ...modelSettings } = stored.settings
    return new Agent({
      name: stored.name,
      instructions: stored.instructions,
      model,
      tools,
      ...(maxTurns === undefined ? {} : { maxTurns }),
      ...(toolChoice === undefined ? {} : { toolChoice }),
      ...(parallelToolCalls === undefined ? {} : { parallelToolCalls }),
      modelSettings,
    })
  }

  async function check(input: CreateAgentInput): Promise<void> {
    if (code.has(input.name)) {
      throw new HttpError({
        type: 'conflict',
        message: `An agent named "${input.name}" is registered in code; choose another name.`,
      })
    }
    let provider: string
    try {
      provider = parseModelReference(input.model).provider
    } catch (error) {
      throw new HttpError({
        type: 'invalid_request',
        field: 'body.model',
        message: `body.model: ${(error as Error).message}`,
      })
    }
    const known = options.runtime.models.providers()
    if (!known.includes(provider) && (await options.providers.get(provider)) === null) {
      throw new HttpError({
        type: 'invalid_request',
        field: 'body.model',
        message: `body.model: provider "${provider}" is neither a stored provider (POST /api/providers) nor one the runtime knows (${known.join(', ')}).`,
      })
    }
    for (const [index, name] of (input.tools ?? []).entries()) {
      if (options.tools?.get(name) === undefined) {
        const available = options.tools?.list().map((entry) => entry.name) ?? []
        throw new HttpError({
          type: 'invalid_request',
          field: `body.tools[${index}]`,
          message: `body.tools[${index}]: there is no tool "${name}" in the server's tool registry (${available.length === 0 ? 'it is empty: pass createServer({ tools })' : available.join(', ')}).`,
        })
      }
    }
  }

  return {
    async get(name) {
      const agent = code.get(name)
      if (agent !== undefined) return { agent, info: codeInfo(agent) }
      const found = await records.get(name)
      if (found === null) {
        // An agent registered on the runtime after the server was created.
        const registered = options.runtime.runnables.get(name)
        if (registered?.kind !== 'agent') return null
        return { agent: registered.agent, info: codeInfo(registered.agent) }
      }
      const stored = found.value
      let entry = built.get(name)
      if (entry === undefined || entry.updatedAt !== stored.updatedAt) {
        entry = { updatedAt: stored.updatedAt, agent: build(stored) }
        built.set(name, entry)
        entry.agent.catch(() => built.delete(name))
      }
      return { agent: await entry.agent, info: storedInfo(stored) }
    },
    async register(entry) {
      const registered = options.runtime.runnables.get(entry.info.name)
      if (registered?.kind === 'agent' && registered.agent === entry.agent) return
      if (registered !== undefined && entry.info.source === 'code') return
      if (registered !== undefined) options.runtime.unregister(entry.info.name)
      options.runtime.register(entry.agent)
    },
    async list(owner) {
      const rows = await records.list(owner === undefined ? {} : { index: `owner:${owner}` })
      return [...[...code.values()].map(codeInfo), ...rows.map((row) => storedInfo(row.value))]
    },
    async create(input, owner) {
      await check(input)
      const now = Date.now()
      const stored: StoredAgent = {
        version: 1,
        name: input.name,
        instructions: input.instructions,
        model: input.model,
        tools: input.tools ?? [],
        settings: input.settings ?? {},
        owner,
        createdAt: now,
        updatedAt: now,
        ...(input.description === undefined ? {} : { description: input.description }),
      }
      try {
        await records.put(input.name, stored, { expectedRevision: null, indexes: [`owner:${owner}`] })
      } catch (error) {
        if ((error as Error).name === 'StorageConflictError') {
          throw new HttpError({ type: 'conflict', message: `An agent named "${input.name}" exists already.` })
        }
        throw error
      }
      return storedInfo(stored)
    },
    async delete(name) {
      built.delete(name)
      return records.delete(name)
    },
  }
}
