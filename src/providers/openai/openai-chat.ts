import { knownCapabilities } from '../../model/known-capabilities.js'
import type { Model, ModelCapabilities } from '../../model/model.js'
import {
  completeRequest,
  type ModelCallOptions,
  type ModelCallRequest,
  type ModelRequest,
} from '../../model/model-request.js'
import type { ModelResponse } from '../../model/model-response.js'
import type { ModelStreamPart } from '../../model/model-stream-part.js'
import { callWithRetries, streamWithRetries } from '../shared/call-with-retries.js'
import { chatResponse, createChatStreamReader } from './chat-parts.js'
import { type ChatCompatibility, type ChatDefaults, chatBody } from './chat-request.js'
import { type OpenAIConnectionOptions, openaiConnection } from './openai-client.js'
import { type OpenAICompatiblePreset, presetOptions } from './presets.js'

/** Options of {@link openaiChat}. */
export interface OpenAIChatOptions extends OpenAIConnectionOptions, ChatDefaults {
  /**
   * An OpenAI-compatible server to talk to: sets its base URL, API-key variable, provider name
   * and request quirks (each can still be overridden here).
   */
  preset?: OpenAICompatiblePreset
  /** Request quirks of the server (presets set them). */
  compatibility?: ChatCompatibility
  /** The provider name in events and errors (default `openai`, or the preset's name). */
  provider?: string
  /** Overrides of the capabilities known for the model id. */
  capabilities?: Partial<ModelCapabilities>
}

/**
 * A model on the Chat Completions API: OpenAI, or any OpenAI-compatible server (Ollama, vLLM, NVIDIA
 * NIM, OpenRouter, LiteLLM, Groq, DeepSeek...) through `preset` or `baseURL`.
 *
 * @example
 * const model = openaiChat('gpt-4o-mini', { temperature: 0 })
 * const local = openaiChat('llama3.1', { preset: 'ollama' })
 */
export function openaiChat(modelId: string, options: OpenAIChatOptions = {}): Model {
  const resolved = presetOptions(options)
  const provider = resolved.provider ?? 'openai'
  const { client, settings } = openaiConnection(provider, resolved, resolved.apiKeyVariable)
  const compatibility = resolved.compatibility ?? {}
  const capabilities = knownCapabilities(modelId, options.capabilities)

  const includeRaw = resolved.includeRaw === true
  const body = (request: ModelCallRequest, stream: boolean) =>
    chatBody({
      modelId,
      request: completeRequest(request) satisfies ModelRequest,
      defaults: resolved,
      compatibility,
      stream,
      provider,
    })

  return {
    specificationVersion: 'agentloop.model.v1',
    provider,
    modelId,
    capabilities,
    generate(request: ModelCallRequest, callOptions: ModelCallOptions = {}): Promise<ModelResponse> {
      return callWithRetries(settings, callOptions.signal, async (signal) => {
        const completion = await client.chat.completions.create(body(request, false) as never, { signal })
        return chatResponse(provider, completion, { includeRaw })
      })
    },
    stream(request: ModelCallRequest, callOptions: ModelCallOptions = {}): AsyncIterable<ModelStreamPart> {
      return streamWithRetries(settings, callOptions.signal, async function* (signal, attempt) {
        const { data: chunks, request_id } = await client.chat.completions
          .create(body(request, true) as never, { signal })
          .withResponse()
        if (request_id) attempt.requestId = request_id
        const reader = createChatStreamReader(provider, {
          includeRaw,
          ...(request_id ? { requestId: request_id } : {}),
        })
        for await (const chunk of chunks as unknown as AsyncIterable<unknown>) yield* reader.read(chunk)
        yield* reader.end()
      })
    },
  }
}
