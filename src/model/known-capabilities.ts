import type { ModelCapabilities } from './model.js'

/**
 * Capabilities of well-known model families, matched on the model id (first match wins). A guide,
 * not a promise: adapters let `options.capabilities` override any field, and unknown models get
 * `{ tools: true }` plus nothing else.
 */
const FAMILIES: [RegExp, ModelCapabilities][] = [
  // OpenAI
  [
    /^(gpt-5|gpt-5\.\d)(-mini|-nano|-codex[\w-]*|-pro)?\b/,
    { reasoning: true, vision: true, contextWindow: 400_000, maxOutputTokens: 128_000 },
  ],
  [/^gpt-4\.1/, { vision: true, contextWindow: 1_047_576, maxOutputTokens: 32_768 }],
  [/^gpt-4o/, { vision: true, contextWindow: 128_000, maxOutputTokens: 16_384 }],
  [/^gpt-4-turbo/, { vision: true, contextWindow: 128_000, maxOutputTokens: 4_096 }],
  [/^gpt-3\.5-turbo/, { contextWindow: 16_385, maxOutputTokens: 4_096 }],
  [
    /^o[134](-mini|-pro)?\b/,
    { reasoning: true, vision: true, contextWindow: 200_000, maxOutputTokens: 100_000 },
  ],
  [/^gpt-oss/, { reasoning: true, contextWindow: 131_072, maxOutputTokens: 32_768 }],
  // Anthropic
  [
    /^claude-(opus|sonnet)-4|^claude-(opus|sonnet)-[\d-]*4/,
    { reasoning: true, vision: true, contextWindow: 200_000, maxOutputTokens: 64_000 },
  ],
  [
    /^claude-haiku-4|^claude-3-7-sonnet/,
    { reasoning: true, vision: true, contextWindow: 200_000, maxOutputTokens: 64_000 },
  ],
  [/^claude-3-5/, { vision: true, contextWindow: 200_000, maxOutputTokens: 8_192 }],
  [/^claude-3/, { vision: true, contextWindow: 200_000, maxOutputTokens: 4_096 }],
  // Open models commonly served by Ollama, vLLM, NIM, Groq, OpenRouter, DeepSeek
  [/^deepseek-reasoner/, { reasoning: true, contextWindow: 128_000, maxOutputTokens: 64_000 }],
  [/^deepseek/, { contextWindow: 128_000, maxOutputTokens: 8_192 }],
  [/llama-?3\.[1-3]|llama3\.[1-3]/, { contextWindow: 128_000, maxOutputTokens: 8_192 }],
  [/qwen3|qwq/, { reasoning: true, contextWindow: 128_000, maxOutputTokens: 32_768 }],
  [/qwen2\.5/, { contextWindow: 32_768, maxOutputTokens: 8_192 }],
  [/mistral|mixtral/, { contextWindow: 32_768, maxOutputTokens: 8_192 }],
  [/grok-3-mini|grok-4/, { reasoning: true, contextWindow: 131_072, maxOutputTokens: 32_768 }],
]

/**
 * The capabilities of a model id from the table of known families, merged with `overrides`.
 * Tools, parallel tool calls and structured output default to true (every listed family has them).
 */
export function knownCapabilities(
  modelId: string,
  overrides?: Partial<ModelCapabilities>,
): ModelCapabilities {
  // Provider prefixes such as "openai/gpt-4o" (OpenRouter) or "meta/llama-3.1" (NIM) are ignored.
  const id = modelId.toLowerCase().replace(/^[\w.-]+\//, '')
  const family = FAMILIES.find(([pattern]) => pattern.test(id))?.[1] ?? {}
  return {
    tools: true,
    parallelToolCalls: true,
    structuredOutput: true,
    reasoning: false,
    vision: false,
    ...family,
    ...overrides,
  }
}
