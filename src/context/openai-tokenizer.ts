import { ConfigError } from '../errors/errors.js'
import type { Tokenizer } from '../model/tokenizer.js'

/** The OpenAI encodings agentloop can count exactly with `gpt-tokenizer`. */
export type OpenAIEncoding = 'o200k_base' | 'cl100k_base'

interface EncodingModule {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number
}

const loaded = new Map<OpenAIEncoding, Promise<EncodingModule>>()

function loadEncoding(encoding: OpenAIEncoding): Promise<EncodingModule> {
  let promise = loaded.get(encoding)
  if (promise === undefined) {
    const specifier = `gpt-tokenizer/encoding/${encoding}`
    promise = (import(specifier) as Promise<EncodingModule>).catch((error: unknown) => {
      loaded.delete(encoding)
      throw new ConfigError({
        message: `Exact OpenAI token counting needs the optional package gpt-tokenizer: run \`npm install gpt-tokenizer\`, or set the agent's context.tokenizer to 'estimate'.`,
        cause: error,
      })
    })
    loaded.set(encoding, promise)
  }
  return promise
}

/**
 * The encoding an OpenAI model uses: `o200k_base` for the GPT-4o, GPT-4.1, GPT-5 and o-series
 * families, `cl100k_base` for GPT-4, GPT-3.5 and the text-embedding-3 models; `undefined` otherwise.
 */
export function openaiEncodingFor(modelId: string): OpenAIEncoding | undefined {
  const id = modelId.toLowerCase().replace(/^openai\//, '')
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|o1|o3|o4|gpt-oss|codex)/.test(id)) return 'o200k_base'
  if (/^(gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada)/.test(id)) return 'cl100k_base'
  return undefined
}

/**
 * An exact tokenizer for OpenAI models, backed by `gpt-tokenizer` (an optional dependency, loaded
 * on the first `load()`). Give a model id (`gpt-4o`) or an encoding name (`o200k_base`).
 * Special-token text such as `<|endoftext|>` is counted as ordinary text, as the API does.
 */
export function openaiTokenizer(modelIdOrEncoding: string): Tokenizer {
  const encoding =
    modelIdOrEncoding === 'o200k_base' || modelIdOrEncoding === 'cl100k_base'
      ? modelIdOrEncoding
      : openaiEncodingFor(modelIdOrEncoding)
  if (encoding === undefined) {
    throw new ConfigError({
      message: `openaiTokenizer: no known OpenAI encoding for "${modelIdOrEncoding}"; pass 'o200k_base' or 'cl100k_base', or use the estimate.`,
    })
  }
  const plain = { disallowedSpecial: new Set<string>() }
  let module: EncodingModule | undefined
  return {
    name: `openai:${encoding}`,
    exact: true,
    async load() {
      module ??= await loadEncoding(encoding)
    },
    count(text) {
      if (module === undefined) {
        throw new ConfigError({
          message: `openaiTokenizer(${JSON.stringify(modelIdOrEncoding)}): call and await load() before count().`,
        })
      }
      return module.countTokens(text, plain)
    },
  }
}
