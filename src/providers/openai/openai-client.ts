import type OpenAI from 'openai'
import { ConfigError } from '../../errors/errors.js'
import {
  type CallSettings,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
} from '../shared/call-with-retries.js'
import { classifyError } from '../shared/provider-error.js'
import { type RetryOptions, retryPolicy } from '../shared/retry-policy.js'
import { OpenAIClient } from './openai-module.js'

/** How to reach an OpenAI (or OpenAI-compatible) API. */
export interface OpenAIConnectionOptions {
  /** Default `OPENAI_API_KEY` (or the preset's variable). Never logged or put in errors. */
  apiKey?: string
  /** Default `OPENAI_BASE_URL`, else `https://api.openai.com/v1` (or the preset's URL). */
  baseURL?: string
  /** Default `OPENAI_ORG_ID`. */
  organization?: string
  /** Default `OPENAI_PROJECT_ID`. */
  project?: string
  /** Extra HTTP headers on every request (OpenRouter's `HTTP-Referer`, a proxy's auth...). */
  headers?: Record<string, string>
  /** Request timeout in ms (default 600000): until the first streamed part, or the whole non-streamed call. */
  timeout?: number
  /** Ms allowed between two streamed chunks (default 120000). */
  idleTimeoutMs?: number
  /** Retries after the first attempt (default 2): at most `maxRetries + 1` requests per model call. */
  maxRetries?: number
  /** Backoff settings of the retries. */
  retry?: Omit<RetryOptions, 'maxRetries'>
  /** A custom fetch (proxies, tests). */
  fetch?: typeof fetch
  /** Use this client instead of creating one; its own retries are not used (ours count every attempt). */
  client?: OpenAI
  /**
   * Attach the provider's raw response to every `ModelResponse` as `raw` (the JSON body, or the
   * list of stream chunks), and so to `model.end` events and `afterModel` hooks. Default false.
   * Provider-specific: the shape is the provider's wire format.
   */
  includeRaw?: boolean
}

/** The client and call settings an OpenAI adapter uses. */
export interface OpenAIConnection {
  client: OpenAI
  settings: CallSettings
}

/** Creates the SDK client with its own retries off, and our retry/timeout settings. */
export function openaiConnection(
  provider: string,
  options: OpenAIConnectionOptions & { apiKeyIsPlaceholder?: boolean },
  apiKeyVariable = 'OPENAI_API_KEY',
): OpenAIConnection {
  const apiKey = options.apiKey ?? process.env[apiKeyVariable]
  if (
    apiKey === undefined &&
    options.client === undefined &&
    options.baseURL === undefined &&
    !process.env.OPENAI_BASE_URL
  ) {
    throw new ConfigError({
      message: `${provider}: no API key. Set ${apiKeyVariable} or pass the apiKey option (or a baseURL for a server that needs no key).`,
    })
  }
  const client =
    options.client?.withOptions({ maxRetries: 0 }) ??
    new OpenAIClient({
      // The SDK throws when no key is given; a keyless local server (Ollama, vLLM) still needs a value.
      apiKey: apiKey ?? 'missing-api-key',
      maxRetries: 0,
      timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      ...(options.organization === undefined ? {} : { organization: options.organization }),
      ...(options.project === undefined ? {} : { project: options.project }),
      ...(options.headers === undefined ? {} : { defaultHeaders: options.headers }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    })
  // A preset's placeholder key (`ollama`, `EMPTY`) is not a secret: redacting it would garble messages.
  const secrets = options.apiKeyIsPlaceholder === true ? [] : [apiKey, options.client?.apiKey ?? undefined]
  const settings: CallSettings = {
    provider,
    retry: retryPolicy({ ...options.retry, maxRetries: options.maxRetries ?? 2 }),
    timeoutMs: options.timeout ?? DEFAULT_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    classify: (error, requestId) => classifyError({ provider, error, secrets, apiKeyVariable, requestId }),
  }
  return { client, settings }
}
