/**
 * Circuit breakers by provider endpoint, and models wrapped by them. A registry creates one breaker
 * per `provider` + `baseURL` on first use, so every model of one endpoint (every agent using
 * `openai:gpt-4o` or `openai:gpt-4o-mini`) shares one circuit; the server reads `list()` for
 * `/health` and calls `reset(key)` for an admin.
 *
 * @example
 * const breakers = createCircuitBreakers({ consecutiveFailures: 5, halfOpenAfterMs: 30_000 })
 * const runtime = new Runtime({ models: createModelRegistry({ wrap: breakers.wrap }) })
 * const guarded = breakers.wrap(openai('gpt-4o'))
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import { type CircuitBreaker, type CircuitTarget, breakerWith, circuitKey } from './circuit-breaker.js'
import { type CircuitBreakerOptions, circuitBreakerSettings } from './circuit-breaker-options.js'
import type { CircuitSnapshot, CircuitStateChange } from './circuit-state.js'
import type { Model } from './model.js'
import type { ModelCallOptions, ModelCallRequest } from './model-request.js'
import type { ModelStreamPart } from './model-stream-part.js'

/** Options of {@link createCircuitBreakers}: the defaults of every breaker, plus per-provider overrides. */
export interface CircuitBreakersOptions extends CircuitBreakerOptions {
  /** Settings by provider name (`openai`, `anthropic`, `ollama`...), over the defaults above. */
  providers?: Record<string, CircuitBreakerOptions>
}

/** The breakers of every provider endpoint. */
export interface CircuitBreakers {
  /** The breaker of an endpoint, created on first use. */
  get(target: CircuitTarget): CircuitBreaker
  /** The model, with its calls going through its endpoint's breaker (`baseURL` defaults to `model.baseURL` when it has one). */
  wrap(model: Model, options?: { baseURL?: string }): CircuitBreakerModel
  /** Every breaker's state, sorted by key. */
  list(): CircuitSnapshot[]
  /** Closes one circuit (by key) or all; resolves how many were reset. Throws `ConfigError` for an unknown key. */
  reset(key?: string): number
  /** Listens to every breaker's state changes; returns the function that stops listening. */
  onStateChange(listener: (change: CircuitStateChange) => void): () => void
}

/** Options of {@link withCircuitBreaker}. */
export interface WithCircuitBreakerOptions extends CircuitBreakerOptions {
  /** The endpoint's base URL, part of the circuit's key. */
  baseURL?: string
  /** Share the breakers of this registry (then the other options belong to the registry). */
  breakers?: CircuitBreakers
}

/** A model whose calls go through a circuit breaker. */
export interface CircuitBreakerModel extends Model {
  /** The breaker of the model's endpoint: its `snapshot()` for health checks, `reset()` for admins. */
  readonly circuitBreaker: CircuitBreaker
}

/** Creates a registry of circuit breakers keyed on provider and base URL. */
export function createCircuitBreakers(options: CircuitBreakersOptions = {}): CircuitBreakers {
  const { providers = {}, onStateChange, ...defaults } = options
  // Check the defaults and every override once, now, so a typo fails at start-up and not mid-run.
  circuitBreakerSettings(defaults, 'createCircuitBreakers')
  for (const [provider, overrides] of Object.entries(providers)) {
    circuitBreakerSettings({ ...defaults, ...overrides }, `createCircuitBreakers: providers.${provider}`)
  }
  const listeners = new Set<(change: CircuitStateChange) => void>()
  if (onStateChange !== undefined) listeners.add(onStateChange)
  const breakers = new Map<string, CircuitBreaker>()
  const notify = (change: CircuitStateChange) => {
    for (const listener of listeners) {
      try {
        listener(change)
      } catch {
        // One listener's bug must not hide the change from the others.
      }
    }
  }

  const registry: CircuitBreakers = {
    get(target) {
      const key = circuitKey(target)
      let breaker = breakers.get(key)
      if (breaker === undefined) {
        const settings = circuitBreakerSettings({
          ...defaults,
          ...providers[target.provider],
          onStateChange: notify,
        })
        breaker = breakerWith(target, settings)
        breakers.set(key, breaker)
      }
      return breaker
    },
    wrap(model, wrapOptions = {}) {
      return guard(model, registry.get({ provider: model.provider, baseURL: baseURLOf(model, wrapOptions) }))
    },
    list() {
      return [...breakers.values()]
        .map((breaker) => breaker.snapshot())
        .sort((a, b) => a.key.localeCompare(b.key))
    },
    reset(key) {
      if (key === undefined) {
        for (const breaker of breakers.values()) breaker.reset()
        return breakers.size
      }
      const breaker = breakers.get(key)
      if (breaker === undefined) {
        throw new ConfigError({
          message: `No circuit breaker has the key ${JSON.stringify(key)}. Known keys: ${[...breakers.keys()].join(', ') || '(none yet: a breaker is created by the first call to its provider)'}.`,
        })
      }
      breaker.reset()
      return 1
    },
    onStateChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return registry
}

/**
 * Wraps a model in a circuit breaker of its own (or one shared through `breakers`). While the
 * circuit is open, `generate` and `stream` throw a `ModelError` with code `circuit_open`,
 * `statusCode` 503, `isRetryable` true and `retryAfterMs`, before any request is sent.
 */
export function withCircuitBreaker(
  model: Model,
  options: WithCircuitBreakerOptions = {},
): CircuitBreakerModel {
  const { breakers, baseURL, ...settings } = options
  if (breakers !== undefined) {
    if (Object.values(settings).some((value) => value !== undefined)) {
      throw new ConfigError({
        message: `withCircuitBreaker: give either breakers (a shared registry, configured where it is created) or breaker settings (${Object.keys(settings).join(', ')}), not both.`,
      })
    }
    return breakers.wrap(model, baseURL === undefined ? {} : { baseURL })
  }
  return guard(model, registryless(model, baseURL, settings))
}

function registryless(model: Model, baseURL: string | undefined, settings: CircuitBreakerOptions) {
  const target = {
    provider: model.provider,
    baseURL: baseURLOf(model, baseURL === undefined ? {} : { baseURL }),
  }
  return breakerWith(target, circuitBreakerSettings(settings, 'withCircuitBreaker'))
}

function baseURLOf(model: Model, options: { baseURL?: string }): string | undefined {
  if (options.baseURL !== undefined) return options.baseURL
  const own = (model as unknown as { baseURL?: unknown }).baseURL
  return typeof own === 'string' ? own : undefined
}

function aborted(options: ModelCallOptions | undefined): boolean {
  return options?.signal?.aborted === true
}

/** The model with its calls going through `breaker`; everything else (capabilities, tokenizer...) is the model's. */
function guard(model: Model, breaker: CircuitBreaker): CircuitBreakerModel {
  // A plain object, not a prototype link: a model class with private fields keeps its own `this`.
  const guarded: CircuitBreakerModel = {
    circuitBreaker: breaker,
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    ...(model.capabilities === undefined ? {} : { capabilities: model.capabilities }),
    ...(model.tokenizer === undefined ? {} : { tokenizer: model.tokenizer }),
    async generate(request: ModelCallRequest, options?: ModelCallOptions) {
      const permit = breaker.acquire()
      try {
        const response = await model.generate(request, options)
        permit.done()
        return response
      } catch (error) {
        if (aborted(options)) permit.release()
        else permit.done(error)
        throw error
      }
    },
    async *stream(request: ModelCallRequest, options?: ModelCallOptions): AsyncGenerator<ModelStreamPart> {
      const permit = breaker.acquire()
      let settled = false
      try {
        for await (const part of model.stream(request, options)) {
          // The verdict is in once the answer is complete, before the caller sees its end.
          if (part.type === 'finish' && !settled) {
            settled = true
            permit.done()
          }
          yield part
        }
        if (!settled) {
          settled = true
          permit.done()
        }
      } catch (error) {
        if (!settled) {
          settled = true
          if (aborted(options)) permit.release()
          else permit.done(error)
        }
        throw error
      } finally {
        // The caller stopped reading before the end: no verdict on the provider.
        if (!settled) permit.release()
      }
    },
  }
  return guarded
}
