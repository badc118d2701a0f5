/**
 * Models named as text: `'openai:gpt-4o'`, `'anthropic:claude-sonnet-4-5'`, `'ollama:llama3.1'`.
 * A registry maps the provider prefix to a factory. The built-in factories load the provider
 * subpaths (`agentloop/openai`, `agentloop/anthropic`) on first use, by their public names, so the
 * core never imports a provider (or its SDK) until a run actually names one; each adapter reads its
 * environment variables (API keys, base URLs) when it is created.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { Model } from './model.js'

/** Creates the model of one provider from a model id. */
export type ModelFactory = (modelId: string) => Model | Promise<Model>

/** Resolves model references to models. */
export interface ModelRegistry {
  /** Adds or replaces the factory of a provider prefix. */
  register(provider: string, factory: ModelFactory): void
  /** The provider prefixes this registry knows. */
  providers(): string[]
  /** The model a reference names; created once per reference and reused. */
  resolve(reference: string): Promise<Model>
}

/** Options of {@link createModelRegistry}. */
export interface ModelRegistryOptions {
  /** Factories by provider prefix, added to (or replacing) the built-in ones. */
  providers?: Record<string, ModelFactory>
  /** Include the built-in providers (default true). */
  builtins?: boolean
  /**
   * Wraps every model the registry creates, such as `breakers.wrap` of `createCircuitBreakers()`
   * (a circuit breaker per provider endpoint).
   */
  wrap?: (model: Model) => Model
}

/** Splits `provider:model-id` (the model id may itself contain colons, as in `ollama:llama3.1:8b`). */
export function parseModelReference(reference: string): { provider: string; modelId: string } {
  const separator = typeof reference === 'string' ? reference.indexOf(':') : -1
  if (separator <= 0 || separator === reference.length - 1) {
    throw new ConfigError({
      message: `Model reference ${JSON.stringify(reference)} must look like "provider:model-id", such as "openai:gpt-4o", "anthropic:claude-sonnet-4-5" or "ollama:llama3.1".`,
    })
  }
  return { provider: reference.slice(0, separator), modelId: reference.slice(separator + 1) }
}

type ProviderModule = Record<string, (modelId: string, options?: Record<string, unknown>) => Model>

/** Loads a provider subpath by its public name; a variable specifier keeps bundlers and tsc from following it. */
async function loadSubpath(subpath: string): Promise<ProviderModule> {
  const specifier = `agentloop/${subpath}`
  try {
    return (await import(specifier)) as ProviderModule
  } catch (error) {
    // A missing SDK is already a ConfigError naming the one package to install.
    if (error instanceof ConfigError) throw error
    throw new ConfigError({
      message: `Could not load ${specifier} for a model reference: ${error instanceof Error ? error.message : String(error)}. Install its peer dependency (openai or @anthropic-ai/sdk).`,
      cause: error,
    })
  }
}

function fromSubpath(subpath: string, factory: string, options?: Record<string, unknown>): ModelFactory {
  return async (modelId) => {
    const create = (await loadSubpath(subpath))[factory]
    if (typeof create !== 'function')
      throw new ConfigError({ message: `agentloop/${subpath} has no ${factory}().` })
    return create(modelId, options)
  }
}

/** The built-in providers and the environment variables their adapters read. */
function builtinProviders(): Record<string, ModelFactory> {
  const providers: Record<string, ModelFactory> = {
    openai: fromSubpath('openai', 'openai'),
    'openai-chat': fromSubpath('openai', 'openaiChat'),
    anthropic: fromSubpath('anthropic', 'anthropic'),
  }
  for (const preset of ['ollama', 'vllm', 'nim', 'openrouter', 'litellm', 'groq', 'deepseek']) {
    providers[preset] = fromSubpath('openai', 'openaiChat', { preset })
  }
  return providers
}

/** Creates a registry with the built-in providers plus yours. */
export function createModelRegistry(options: ModelRegistryOptions = {}): ModelRegistry {
  if (options.wrap !== undefined && typeof options.wrap !== 'function') {
    throw new ConfigError({
      message: 'createModelRegistry: wrap must be a function (model) => model, such as breakers.wrap.',
    })
  }
  const factories = new Map<string, ModelFactory>(
    Object.entries(options.builtins === false ? {} : builtinProviders()),
  )
  for (const [provider, factory] of Object.entries(options.providers ?? {})) factories.set(provider, factory)
  const models = new Map<string, Promise<Model>>()
  return {
    register(provider, factory) {
      if (typeof factory !== 'function') {
        throw new ConfigError({
          message: `ModelRegistry.register: the factory of "${provider}" must be a function.`,
        })
      }
      factories.set(provider, factory)
      for (const reference of models.keys())
        if (reference.startsWith(`${provider}:`)) models.delete(reference)
    },
    providers: () => [...factories.keys()],
    resolve(reference) {
      let model = models.get(reference)
      if (model === undefined) {
        model = create(reference)
        models.set(reference, model)
        // A failed creation (missing key, missing peer) is not remembered: fixing the cause is enough.
        model.catch(() => models.delete(reference))
      }
      return model
    },
  }

  async function create(reference: string): Promise<Model> {
    const { provider, modelId } = parseModelReference(reference)
    const factory = factories.get(provider)
    if (factory === undefined) {
      throw new ConfigError({
        message: `Model reference ${JSON.stringify(reference)}: unknown provider "${provider}". Known: ${[...factories.keys()].join(', ')}. Register it with new Runtime({ models: { ${provider}: (id) => model } }).`,
      })
    }
    const model = await factory(modelId)
    return options.wrap === undefined ? model : options.wrap(model)
  }
}

let defaultRegistry: ModelRegistry | undefined

/** The registry of the default runtime (built-in providers only). */
export function getDefaultModelRegistry(): ModelRegistry {
  defaultRegistry ??= createModelRegistry()
  return defaultRegistry
}
