/**
 * Providers stored as data: a name, a type (`openai` Responses API, `openai-chat` Chat Completions
 * and any OpenAI-compatible server, `anthropic`), a base URL, a default model, and an API key kept
 * encrypted with the server secret, never returned. An agent names a stored provider in its model
 * reference (`my-vllm:llama3.1`).
 *
 * @module
 */
import { z } from 'zod'
import { ConfigError } from '../errors/errors.js'
import type { Model } from '../model/model.js'
import type { StoreDriver } from '../storage/store-driver.js'
import { recordCollection } from './record-store.js'
import type { SecretBox } from './secret-box.js'

/** The provider types a stored provider may have. */
export const PROVIDER_TYPES = ['openai', 'openai-chat', 'anthropic'] as const

/** A stored provider as the API shows it: never its API key. */
export interface ProviderInfo {
  name: string
  type: (typeof PROVIDER_TYPES)[number]
  baseURL?: string | undefined
  defaultModel?: string | undefined
  hasApiKey: boolean
  owner: string
  createdAt: number
  updatedAt: number
}

const Sealed = z.object({ alg: z.literal('A256GCM'), iv: z.string(), tag: z.string(), data: z.string() })
const StoredProvider = z.object({
  version: z.literal(1),
  name: z.string(),
  type: z.enum(PROVIDER_TYPES),
  baseURL: z.string().optional(),
  defaultModel: z.string().optional(),
  apiKey: Sealed.optional(),
  owner: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
})
type StoredProvider = z.infer<typeof StoredProvider>

/** Options of `providers.put`. */
export interface PutProviderInput {
  name: string
  type: (typeof PROVIDER_TYPES)[number]
  baseURL?: string
  defaultModel?: string
  apiKey?: string
}

/** The stored providers. */
export interface ProviderStore {
  put(input: PutProviderInput, owner: string): Promise<{ info: ProviderInfo; created: boolean }>
  get(name: string): Promise<ProviderInfo | null>
  list(owner?: string): Promise<ProviderInfo[]>
  delete(name: string): Promise<boolean>
  /** The model `modelId` of a stored provider, built with its decrypted key (cached until the provider changes). */
  model(name: string, modelId: string): Promise<Model>
}

function infoOf(stored: StoredProvider): ProviderInfo {
  const { version: _version, apiKey, ...rest } = stored
  return { ...rest, hasApiKey: apiKey !== undefined }
}

/** Provider records on a driver; `box` is undefined when the server has no secret. */
export function createProviderStore(driver: StoreDriver, box: SecretBox | undefined): ProviderStore {
  const records = recordCollection(driver, 'server.provider', StoredProvider)
  const models = new Map<string, { updatedAt: number; model: Promise<Model> }>()
  return {
    async put(input, owner) {
      if (input.apiKey !== undefined && box === undefined) {
        throw new ConfigError({
          message:
            'body.apiKey: this server has no secret to encrypt API keys with; start it with AGENTLOOP_SECRET (32+ characters) or createServer({ secret }).',
        })
      }
      const existing = await records.get(input.name)
      const now = Date.now()
      const stored: StoredProvider = {
        version: 1,
        name: input.name,
        type: input.type,
        owner: existing?.value.owner ?? owner,
        createdAt: existing?.value.createdAt ?? now,
        updatedAt: now,
        ...(input.baseURL === undefined ? {} : { baseURL: input.baseURL }),
        ...(input.defaultModel === undefined ? {} : { defaultModel: input.defaultModel }),
        ...(input.apiKey === undefined ? {} : { apiKey: box?.seal(input.apiKey, `provider:${input.name}`) }),
      }
      await records.put(input.name, stored, {
        expectedRevision: existing?.revision ?? null,
        indexes: [`owner:${stored.owner}`],
      })
      models.delete(input.name)
      return { info: infoOf(stored), created: existing === null }
    },
    async get(name) {
      const found = await records.get(name)
      return found === null ? null : infoOf(found.value)
    },
    async list(owner) {
      const rows = await records.list(owner === undefined ? {} : { index: `owner:${owner}` })
      return rows.map((row) => infoOf(row.value))
    },
    async delete(name) {
      models.delete(name)
      return records.delete(name)
    },
    async model(name, modelId) {
      const found = await records.get(name)
      if (found === null) throw new ConfigError({ message: `There is no stored provider "${name}".` })
      const cacheKey = `${name}\u0000${modelId}`
      const cached = models.get(cacheKey)
      if (cached !== undefined && cached.updatedAt === found.value.updatedAt) return cached.model
      const stored = found.value
      const apiKey =
        stored.apiKey === undefined || box === undefined
          ? undefined
          : box.open(stored.apiKey, `provider:${name}`)
      const connection = {
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(stored.baseURL === undefined ? {} : { baseURL: stored.baseURL }),
      }
      const model = buildModel(stored.type, modelId, connection)
      models.set(cacheKey, { updatedAt: stored.updatedAt, model })
      return model
    },
  }
}

async function buildModel(
  type: StoredProvider['type'],
  modelId: string,
  connection: { apiKey?: string; baseURL?: string },
): Promise<Model> {
  // Loaded on first use, so the server loads a provider SDK only when a stored provider needs it.
  switch (type) {
    case 'openai': {
      const { openai } = await import('../providers/openai/index.js')
      return openai(modelId, connection)
    }
    case 'openai-chat': {
      const { openaiChat } = await import('../providers/openai/index.js')
      return openaiChat(modelId, connection)
    }
    case 'anthropic': {
      const { anthropic } = await import('../providers/anthropic/index.js')
      return anthropic(modelId, connection)
    }
    default: {
      const never: never = type
      throw new ConfigError({ message: `Unknown provider type ${String(never)}.` })
    }
  }
}
