import { ConfigError } from '../../errors/errors.js'
import type { ChatCompatibility } from './chat-request.js'
import type { OpenAIChatOptions } from './openai-chat.js'

/** OpenAI-compatible servers with a preset. */
export type OpenAICompatiblePreset =
  | 'ollama'
  | 'vllm'
  | 'nim'
  | 'openrouter'
  | 'litellm'
  | 'groq'
  | 'deepseek'

interface PresetDefinition {
  provider: string
  /** Environment variable with the base URL, and the URL used when it is unset. */
  baseURLVariable?: string
  baseURL: string
  apiKeyVariable: string
  /** Key sent when the variable is unset (local servers accept anything). */
  placeholderKey?: string
  compatibility: ChatCompatibility
}

/** The presets: where each server lives, where its key comes from, and its request quirks. */
export const OPENAI_COMPATIBLE_PRESETS: Readonly<Record<OpenAICompatiblePreset, PresetDefinition>> = {
  ollama: {
    provider: 'ollama',
    baseURLVariable: 'OLLAMA_BASE_URL',
    baseURL: 'http://127.0.0.1:11434/v1',
    apiKeyVariable: 'OLLAMA_API_KEY',
    placeholderKey: 'ollama',
    compatibility: { maxTokensField: 'max_tokens', strictSchemas: false },
  },
  vllm: {
    provider: 'vllm',
    baseURLVariable: 'VLLM_BASE_URL',
    baseURL: 'http://127.0.0.1:8000/v1',
    apiKeyVariable: 'VLLM_API_KEY',
    placeholderKey: 'EMPTY',
    compatibility: { maxTokensField: 'max_tokens' },
  },
  nim: {
    provider: 'nim',
    baseURLVariable: 'NIM_BASE_URL',
    baseURL: 'https://integrate.api.nvidia.com/v1',
    apiKeyVariable: 'NVIDIA_API_KEY',
    compatibility: { maxTokensField: 'max_tokens', strictSchemas: false },
  },
  openrouter: {
    provider: 'openrouter',
    baseURLVariable: 'OPENROUTER_BASE_URL',
    baseURL: 'https://openrouter.ai/api/v1',
    apiKeyVariable: 'OPENROUTER_API_KEY',
    compatibility: { maxTokensField: 'max_tokens' },
  },
  litellm: {
    provider: 'litellm',
    baseURLVariable: 'LITELLM_BASE_URL',
    baseURL: 'http://127.0.0.1:4000/v1',
    apiKeyVariable: 'LITELLM_API_KEY',
    placeholderKey: 'sk-litellm',
    compatibility: { maxTokensField: 'max_tokens' },
  },
  groq: {
    provider: 'groq',
    baseURLVariable: 'GROQ_BASE_URL',
    baseURL: 'https://api.groq.com/openai/v1',
    apiKeyVariable: 'GROQ_API_KEY',
    compatibility: { maxTokensField: 'max_completion_tokens', strictSchemas: false },
  },
  deepseek: {
    provider: 'deepseek',
    baseURLVariable: 'DEEPSEEK_BASE_URL',
    baseURL: 'https://api.deepseek.com/v1',
    apiKeyVariable: 'DEEPSEEK_API_KEY',
    compatibility: { maxTokensField: 'max_tokens', strictSchemas: false },
  },
}

/** `http://host:11434` -> `http://host:11434/v1` for Ollama, whose variable usually omits the path. */
function withV1(url: string): string {
  const trimmed = url.replace(/\/+$/, '')
  return /\/v\d+$/.test(trimmed) ? trimmed : `${trimmed}/v1`
}

/** Applies a preset under the explicit options. */
export function presetOptions(
  options: OpenAIChatOptions,
): OpenAIChatOptions & { apiKeyVariable?: string; apiKeyIsPlaceholder?: boolean } {
  if (options.preset === undefined) return options
  const preset = OPENAI_COMPATIBLE_PRESETS[options.preset]
  if (preset === undefined) {
    throw new ConfigError({
      message: `openaiChat: preset must be one of ${Object.keys(OPENAI_COMPATIBLE_PRESETS).join(', ')}; got ${JSON.stringify(options.preset)}.`,
    })
  }
  const fromEnv = preset.baseURLVariable === undefined ? undefined : process.env[preset.baseURLVariable]
  const baseURL =
    options.baseURL ?? (fromEnv ? (options.preset === 'ollama' ? withV1(fromEnv) : fromEnv) : preset.baseURL)
  const apiKey = options.apiKey ?? process.env[preset.apiKeyVariable] ?? preset.placeholderKey
  const apiKeyIsPlaceholder = apiKey !== undefined && apiKey === preset.placeholderKey
  if (apiKey === undefined && options.baseURL === undefined && !fromEnv && options.client === undefined) {
    throw new ConfigError({
      message: `${preset.provider}: no API key. Set ${preset.apiKeyVariable} or pass the apiKey option.`,
    })
  }
  return {
    ...options,
    baseURL,
    ...(apiKey === undefined ? {} : { apiKey }),
    provider: options.provider ?? preset.provider,
    compatibility: { ...preset.compatibility, ...options.compatibility },
    apiKeyVariable: preset.apiKeyVariable,
    apiKeyIsPlaceholder,
  }
}
