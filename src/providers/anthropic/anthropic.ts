import type Anthropic from '@anthropic-ai/sdk'
import { ConfigError } from '../../errors/errors.js'
import { knownCapabilities } from '../../model/known-capabilities.js'
import type { Model, ModelCapabilities } from '../../model/model.js'
import { completeRequest, type ModelCallOptions, type ModelCallRequest } from '../../model/model-request.js'
import type { ModelResponse } from '../../model/model-response.js'
import type { ModelStreamPart } from '../../model/model-stream-part.js'
import {
  type CallSettings,
  callWithRetries,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  streamWithRetries,
} from '../shared/call-with-retries.js'
import { classifyError } from '../shared/provider-error.js'
import { type RetryOptions, retryPolicy } from '../shared/retry-policy.js'
import { AnthropicClient } from './anthropic-module.js'
import { anthropicResponse, createAnthropicStreamReader } from './anthropic-parts.js'
import { type AnthropicDefaults, anthropicBody } from './anthropic-request.js'

/** Options of {@link anthropic}. */
export interface AnthropicOptions extends AnthropicDefaults {
  /** Default `ANTHROPIC_API_KEY`. Never logged or put in errors. */
  apiKey?: string
  /** Default `ANTHROPIC_BASE_URL`, else `https://api.anthropic.com`. */
  baseURL?: string
  /** Extra HTTP headers on every request (`anthropic-beta`...). */
  headers?: Record<string, string>
  /** Request timeout in ms (default 600000): until the first streamed part, or the whole non-streamed call. */
  timeout?: number
  /** Ms allowed between two streamed events (default 120000). */
  idleTimeoutMs?: number
  /** Retries after the first attempt (default 2): at most `maxRetries + 1` requests per model call. */
  maxRetries?: number
  retry?: Omit<RetryOptions, 'maxRetries'>
  fetch?: typeof fetch
  /** Use this client instead of creating one; its own retries are not used. */
  client?: Anthropic
  /** The provider name in events and errors (default `anthropic`). */
  provider?: string
  /** Overrides of the capabilities known for the model id. */
  capabilities?: Partial<ModelCapabilities>
  /**
   * Attach the provider's raw response to every `ModelResponse` as `raw` (the JSON body, or the
   * list of stream events), and so to `model.end` events and `afterModel` hooks. Default false.
   * Provider-specific: the shape is the Messages API's wire format.
   */
  includeRaw?: boolean
}

/**
 * A Claude model on the Anthropic Messages API: system prompt, tools (parallel tool use), extended
 * thinking, structured output, prompt caching, usage with cache tokens.
 *
 * @example
 * const model = anthropic('claude-sonnet-4-5', { maxOutputTokens: 4096 })
 */
export function anthropic(modelId: string, options: AnthropicOptions = {}): Model {
  const provider = options.provider ?? 'anthropic'
  const apiKey = options.apiKey ?? process.env.ANTHROPIC_API_KEY
  if (apiKey === undefined && options.client === undefined) {
    throw new ConfigError({
      message: `${provider}: no API key. Set ANTHROPIC_API_KEY or pass the apiKey option.`,
    })
  }
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS
  const client =
    options.client?.withOptions({ maxRetries: 0 }) ??
    new AnthropicClient({
      apiKey: apiKey ?? null,
      maxRetries: 0,
      timeout,
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      ...(options.headers === undefined ? {} : { defaultHeaders: options.headers }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    })
  const settings: CallSettings = {
    provider,
    retry: retryPolicy({ ...options.retry, maxRetries: options.maxRetries ?? 2 }),
    timeoutMs: timeout,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    classify: (error, requestId) =>
      classifyError({ provider, error, secrets: [apiKey], apiKeyVariable: 'ANTHROPIC_API_KEY', requestId }),
  }
  const capabilities = knownCapabilities(modelId, options.capabilities)
  const maxTokens = Math.min(capabilities.maxOutputTokens ?? 4096, 32_000)
  const includeRaw = options.includeRaw === true
  const body = (request: ModelCallRequest, stream: boolean) =>
    anthropicBody({ modelId, request: completeRequest(request), defaults: options, maxTokens, stream })

  return {
    specificationVersion: 'agentloop.model.v1',
    provider,
    modelId,
    capabilities,
    generate(request: ModelCallRequest, callOptions: ModelCallOptions = {}): Promise<ModelResponse> {
      return callWithRetries(settings, callOptions.signal, async (signal) =>
        // An explicit timeout skips the SDK's refusal of long non-streamed calls; ours applies.
        anthropicResponse(await client.messages.create(body(request, false) as never, { signal, timeout }), {
          includeRaw,
        }),
      )
    },
    stream(request: ModelCallRequest, callOptions: ModelCallOptions = {}): AsyncIterable<ModelStreamPart> {
      return streamWithRetries(settings, callOptions.signal, async function* (signal, attempt) {
        const reader = createAnthropicStreamReader({ includeRaw })
        const { data: events, request_id } = await client.messages
          .create(body(request, true) as never, { signal })
          .withResponse()
        if (request_id) attempt.requestId = request_id
        for await (const event of events as unknown as AsyncIterable<unknown>) {
          yield* reader.read(event)
          if (reader.done) return
        }
      })
    },
  }
}
