import type {
  LanguageModelV3,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider'
import { ConfigError } from '../../errors/errors.js'
import type { AssistantPart } from '../../messages/message.js'
import { knownCapabilities } from '../../model/known-capabilities.js'
import type { Model, ModelCapabilities } from '../../model/model.js'
import { completeRequest, type ModelCallOptions, type ModelCallRequest } from '../../model/model-request.js'
import { type FinishReason, type ModelResponse, textOfContent } from '../../model/model-response.js'
import type { ModelStreamPart } from '../../model/model-stream-part.js'
import type { Usage } from '../../model/usage.js'
import type { JsonValue } from '../../util/json.js'
import {
  type CallSettings,
  callWithRetries,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  streamWithRetries,
} from '../shared/call-with-retries.js'
import { classifyError } from '../shared/provider-error.js'
import { type RetryOptions, retryPolicy } from '../shared/retry-policy.js'
import { createRawChunkReader } from './ai-sdk-raw-chunks.js'
import { aiSdkCallOptions } from './ai-sdk-request.js'

/** Options of {@link aiSdk}. */
export interface AiSdkModelOptions {
  /** Retries after the first attempt (default 2). AI SDK models do not retry on their own. */
  maxRetries?: number
  retry?: Omit<RetryOptions, 'maxRetries'>
  /** Request timeout in ms (default 600000): until the first streamed part, or the whole call. */
  timeout?: number
  /** Ms allowed between two streamed parts (default 120000). */
  idleTimeoutMs?: number
  /** The provider name in events and errors (default: the AI SDK model's own, such as `openai.chat`). */
  provider?: string
  /** Overrides of the capabilities known for the model id. */
  capabilities?: Partial<ModelCapabilities>
  /** Secrets to remove from error messages (the AI SDK provider's API key). */
  secrets?: string[]
  /**
   * Attach the provider's raw response to every `ModelResponse` as `raw` (the response body, or
   * the list of raw stream chunks the AI SDK provider passes on), and so to `model.end` events and
   * `afterModel` hooks. Default false. Provider-specific: the shape is the provider's wire format.
   */
  includeRaw?: boolean
}

/** Parts of a chunk that belongs to another choice than the first (`n > 1`), which are dropped. */
const CHOICE_CONTENT = new Set([
  'text-delta',
  'reasoning-delta',
  'tool-input-start',
  'tool-input-delta',
  'tool-call',
])

function requestIdOf(headers: Record<string, string | undefined> | undefined): string | undefined {
  if (headers === undefined) return undefined
  for (const [key, value] of Object.entries(headers)) {
    const name = key.toLowerCase()
    if ((name === 'x-request-id' || name === 'request-id') && value) return value
  }
  return undefined
}

/**
 * Wraps any Vercel AI SDK language model (specification v3, `ai` 6 / `@ai-sdk/provider` 3) as an
 * agentloop `Model`, so every AI SDK provider works: `aiSdk(google('gemini-2.5-flash'))`.
 */
export function aiSdk(model: LanguageModelV3, options: AiSdkModelOptions = {}): Model {
  if (model?.specificationVersion !== 'v3' || typeof model.doStream !== 'function') {
    throw new ConfigError({
      message: `aiSdk: expected an AI SDK language model implementing specification v3 (ai 6, @ai-sdk/provider 3); got ${JSON.stringify((model as { specificationVersion?: unknown })?.specificationVersion)}. Upgrade the AI SDK provider package.`,
    })
  }
  const provider = options.provider ?? model.provider
  const settings: CallSettings = {
    provider,
    retry: retryPolicy({ ...options.retry, maxRetries: options.maxRetries ?? 2 }),
    timeoutMs: options.timeout ?? DEFAULT_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    classify: (error, requestId) =>
      classifyError({ provider, error, secrets: options.secrets ?? [], requestId }),
  }
  const includeRaw = options.includeRaw === true
  return {
    specificationVersion: 'agentloop.model.v1',
    provider,
    modelId: model.modelId,
    capabilities: knownCapabilities(model.modelId, options.capabilities),
    generate(request: ModelCallRequest, callOptions: ModelCallOptions = {}): Promise<ModelResponse> {
      return callWithRetries(settings, callOptions.signal, async (signal) => {
        const result = await model.doGenerate(aiSdkCallOptions(completeRequest(request), signal))
        const content = result.content.flatMap(contentPart)
        const response: ModelResponse = {
          content,
          finishReason: finishReason(result.finishReason),
          usage: usage(result.usage),
          outputText: textOfContent(content),
        }
        if (result.response?.id) response.responseId = result.response.id
        if (result.response?.modelId) response.modelId = result.response.modelId
        if (includeRaw && result.response?.body !== undefined)
          response.raw = result.response.body as JsonValue
        return response
      })
    },
    stream(request: ModelCallRequest, callOptions: ModelCallOptions = {}): AsyncIterable<ModelStreamPart> {
      return streamWithRetries(settings, callOptions.signal, async function* (signal, attempt) {
        // Raw chunks fill in what parsed parts lose (empty first ids, several choices); see ai-sdk-raw-chunks.
        const { stream, response } = await model.doStream({
          ...aiSdkCallOptions(completeRequest(request), signal),
          includeRawChunks: true,
        })
        const requestId = requestIdOf(response?.headers)
        if (requestId !== undefined) attempt.requestId = requestId
        const reader = stream.getReader()
        const started = new Set<string>()
        const rawChunks = createRawChunkReader(includeRaw)
        let otherChoice = false
        try {
          for (;;) {
            const { done, value } = await reader.read()
            if (done) return
            if (value.type === 'raw') {
              otherChoice = rawChunks.read(value.rawValue)
              continue
            }
            if (otherChoice && CHOICE_CONTENT.has(value.type)) continue
            if (value.type === 'finish') {
              const { responseId, modelId } = rawChunks
              if (responseId !== undefined || modelId !== undefined) {
                yield {
                  type: 'response.start',
                  ...(responseId === undefined ? {} : { responseId }),
                  ...(modelId === undefined ? {} : { modelId }),
                }
              }
            }
            const parts = streamPart(value, started)
            if (parts === 'error') throw (value as { error: unknown }).error
            for (const part of parts) {
              if (part.type === 'finish') {
                if (rawChunks.firstChoiceFinish !== undefined) part.finishReason = rawChunks.firstChoiceFinish
                if (rawChunks.chunks !== undefined) part.raw = rawChunks.chunks
              }
              yield part
            }
          }
        } finally {
          reader.cancel().catch(() => {})
        }
      })
    },
  }
}

function streamPart(part: LanguageModelV3StreamPart, started: Set<string>): ModelStreamPart[] | 'error' {
  switch (part.type) {
    case 'response-metadata':
      return [
        {
          type: 'response.start',
          ...(part.id ? { responseId: part.id } : {}),
          ...(part.modelId ? { modelId: part.modelId } : {}),
        },
      ]
    case 'text-delta':
      return part.delta === '' ? [] : [{ type: 'text.delta', delta: part.delta }]
    case 'reasoning-delta':
      return part.delta === '' ? [] : [{ type: 'reasoning.delta', delta: part.delta }]
    case 'reasoning-end':
      return [
        {
          type: 'reasoning.end',
          ...(part.providerMetadata === undefined ? {} : { providerMetadata: part.providerMetadata }),
        },
      ]
    case 'tool-input-start':
      if (part.providerExecuted === true) return []
      started.add(part.id)
      return [{ type: 'tool.call.start', callId: part.id, name: part.toolName }]
    case 'tool-input-delta':
      return started.has(part.id) && part.delta !== ''
        ? [{ type: 'tool.call.delta', callId: part.id, delta: part.delta }]
        : []
    case 'tool-call': {
      if (part.providerExecuted === true) return []
      const end: ModelStreamPart = {
        type: 'tool.call.end',
        callId: part.toolCallId,
        ...(part.providerMetadata === undefined ? {} : { providerMetadata: part.providerMetadata }),
      }
      if (started.has(part.toolCallId)) return [end]
      // Providers that send only the finished call.
      return [
        { type: 'tool.call.start', callId: part.toolCallId, name: part.toolName },
        { type: 'tool.call.delta', callId: part.toolCallId, delta: part.input },
        end,
      ]
    }
    case 'finish':
      return [
        {
          type: 'finish',
          finishReason: finishReason(part.finishReason),
          usage: usage(part.usage),
          ...(part.providerMetadata === undefined ? {} : { providerMetadata: part.providerMetadata }),
        },
      ]
    case 'error':
      return 'error'
    default:
      // stream-start, text/reasoning start and end, tool-input-end, files, sources, raw chunks...
      return []
  }
}

function contentPart(part: LanguageModelV3Content): AssistantPart[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [{ type: 'text', text: part.text }]
    case 'reasoning':
      return [
        {
          type: 'reasoning',
          text: part.text,
          ...(part.providerMetadata === undefined ? {} : { providerMetadata: part.providerMetadata }),
        },
      ]
    case 'tool-call':
      return part.providerExecuted === true
        ? []
        : [
            {
              type: 'tool-call',
              callId: part.toolCallId,
              name: part.toolName,
              // A call with no input is `{}`, never "".
              arguments: part.input === '' ? '{}' : part.input,
              ...(part.providerMetadata === undefined ? {} : { providerMetadata: part.providerMetadata }),
            },
          ]
    default:
      return []
  }
}

function finishReason(reason: LanguageModelV3FinishReason | string): FinishReason {
  const unified = typeof reason === 'string' ? reason : reason.unified
  switch (unified) {
    case 'stop':
    case 'length':
    case 'content-filter':
    case 'tool-calls':
    case 'error':
      return unified
    default:
      return 'other'
  }
}

function usage(raw: LanguageModelV3Usage | undefined): Usage {
  const inputTokens = raw?.inputTokens?.total ?? 0
  const outputTokens = raw?.outputTokens?.total ?? 0
  const result: Usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens }
  if (raw?.outputTokens?.reasoning !== undefined) result.reasoningTokens = raw.outputTokens.reasoning
  if (raw?.inputTokens?.cacheRead !== undefined) result.cachedInputTokens = raw.inputTokens.cacheRead
  if (raw?.inputTokens?.cacheWrite !== undefined) result.cacheWriteInputTokens = raw.inputTokens.cacheWrite
  return result
}
