import type { Model } from '../model/model.js'
import type { Tokenizer } from '../model/tokenizer.js'
import type { ContextSettings } from './context-options.js'
import { estimateTokenizer } from './estimate-tokenizer.js'
import { openaiEncodingFor, openaiTokenizer } from './openai-tokenizer.js'

/**
 * An exact OpenAI tokenizer that becomes the estimate when `gpt-tokenizer` is not installed: the
 * `'auto'` choice must never fail a run for a missing optional package.
 */
function openaiOrEstimate(modelId: string): Tokenizer {
  const exact = openaiTokenizer(modelId)
  let active: Tokenizer = exact
  let loading: Promise<void> | undefined
  return {
    get name() {
      return active.name
    },
    get exact() {
      return active.exact
    },
    load() {
      loading ??= (exact.load?.() ?? Promise.resolve()).catch(() => {
        active = estimateTokenizer
      })
      return loading
    },
    count: (text) => active.count(text),
  }
}

const autoTokenizers = new Map<string, Tokenizer>()

/** The tokenizer the context budget uses for a model under the agent's settings. */
export function resolveTokenizer(model: Model, settings: ContextSettings): Tokenizer {
  if (typeof settings.tokenizer === 'object') return settings.tokenizer
  if (settings.tokenizer === 'estimate') return estimateTokenizer
  if (model.tokenizer !== undefined) return model.tokenizer
  const encoding = openaiEncodingFor(model.modelId)
  if (encoding === undefined) return estimateTokenizer
  let tokenizer = autoTokenizers.get(encoding)
  if (tokenizer === undefined) {
    tokenizer = openaiOrEstimate(encoding)
    autoTokenizers.set(encoding, tokenizer)
  }
  return tokenizer
}
