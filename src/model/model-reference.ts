import { knownCapabilities } from './known-capabilities.js'
import type { Model } from './model.js'
import { getDefaultModelRegistry, parseModelReference } from './model-registry.js'

const REFERENCE = Symbol.for('agentloop.modelReference')

/**
 * A model named as text (`'openai:gpt-4o'`), standing in for the real model until a runtime
 * resolves it through its registry. It already knows its provider, id and (from the table of known
 * families) its capabilities; called directly, it resolves through the default registry.
 */
export interface ModelReference extends Model {
  readonly reference: string
}

/** Creates the stand-in of a model reference; throws `ConfigError` for a malformed one. */
export function modelReference(reference: string): ModelReference {
  const { provider, modelId } = parseModelReference(reference)
  const resolve = () => getDefaultModelRegistry().resolve(reference)
  return {
    [REFERENCE]: true,
    specificationVersion: 'agentloop.model.v1',
    provider,
    modelId,
    reference,
    capabilities: knownCapabilities(modelId),
    async generate(request, options) {
      return (await resolve()).generate(request, options)
    },
    async *stream(request, options) {
      yield* (await resolve()).stream(request, options)
    },
  } as ModelReference
}

/** Whether a model is the stand-in of a model reference. */
export function isModelReference(model: unknown): model is ModelReference {
  return typeof model === 'object' && model !== null && (model as Record<symbol, unknown>)[REFERENCE] === true
}
