import { knownCapabilities } from '../../model/known-capabilities.js'
import type { Model, ModelCapabilities } from '../../model/model.js'
import { completeRequest, type ModelCallOptions, type ModelCallRequest } from '../../model/model-request.js'
import type { ModelResponse } from '../../model/model-response.js'
import type { ModelStreamPart } from '../../model/model-stream-part.js'
import { callWithRetries, streamWithRetries } from '../shared/call-with-retries.js'
import type { ChatDefaults } from './chat-request.js'
import { type OpenAIConnectionOptions, openaiConnection } from './openai-client.js'
import { createResponsesStreamReader, responsesResponse } from './responses-parts.js'
import { responsesBody } from './responses-request.js'

/** Options of {@link openai}. */
export interface OpenAIResponsesOptions extends OpenAIConnectionOptions, ChatDefaults {
  /** Reasoning summaries to stream (default `auto` when `reasoningEffort` is set; `null` for none). */
  reasoningSummary?: 'auto' | 'concise' | 'detailed' | null
  /** The provider name in events and errors (default `openai`). */
  provider?: string
  /** Overrides of the capabilities known for the model id. */
  capabilities?: Partial<ModelCapabilities>
}

/**
 * A model on the OpenAI Responses API (`POST /v1/responses`): text, reasoning summaries, function
 * calls, structured output. With `store: false` reasoning items travel encrypted in the conversation.
 *
 * @example
 * const model = openai('gpt-5-mini', { reasoningEffort: 'low' })
 */
export function openai(modelId: string, options: OpenAIResponsesOptions = {}): Model {
  const provider = options.provider ?? 'openai'
  const { client, settings } = openaiConnection(provider, options)
  const capabilities = knownCapabilities(modelId, options.capabilities)
  const includeRaw = options.includeRaw === true
  const body = (request: ModelCallRequest, stream: boolean) =>
    responsesBody({ modelId, request: completeRequest(request), defaults: options, stream })

  return {
    specificationVersion: 'agentloop.model.v1',
    provider,
    modelId,
    capabilities,
    generate(request: ModelCallRequest, callOptions: ModelCallOptions = {}): Promise<ModelResponse> {
      return callWithRetries(settings, callOptions.signal, async (signal) =>
        responsesResponse(
          provider,
          await client.responses.create(body(request, false) as never, { signal }),
          { includeRaw },
        ),
      )
    },
    stream(request: ModelCallRequest, callOptions: ModelCallOptions = {}): AsyncIterable<ModelStreamPart> {
      return streamWithRetries(settings, callOptions.signal, async function* (signal, attempt) {
        const { data: events, request_id } = await client.responses
          .create(body(request, true) as never, { signal })
          .withResponse()
        if (request_id) attempt.requestId = request_id
        const reader = createResponsesStreamReader(provider, {
          includeRaw,
          ...(request_id ? { requestId: request_id } : {}),
        })
        for await (const event of events as unknown as AsyncIterable<unknown>) {
          yield* reader.read(event)
          if (reader.done) return
        }
      })
    },
  }
}
