import type { Message } from '../messages/message.js'
import type { Usage } from '../model/usage.js'
import { GEN_AI, OPERATION } from './attributes.js'
import type { TraceAttributes } from './trace-event.js'

/** `openai:gpt-5-mini` -> `['openai', 'gpt-5-mini']` (the model id may contain colons). */
export function splitModel(model: string): [string, string] {
  const colon = model.indexOf(':')
  return colon === -1 ? ['unknown', model] : [model.slice(0, colon), model.slice(colon + 1)]
}

/** Our finish reasons, in the conventions' spelling. */
export function finishReason(reason: string): string {
  return reason === 'tool-calls' ? 'tool_calls' : reason === 'content-filter' ? 'content_filter' : reason
}

export function addUsage(attributes: TraceAttributes, usage: Usage): void {
  attributes[GEN_AI.USAGE_INPUT_TOKENS] = usage.inputTokens
  attributes[GEN_AI.USAGE_OUTPUT_TOKENS] = usage.outputTokens
  if (usage.cachedInputTokens !== undefined)
    attributes[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS] = usage.cachedInputTokens
  if (usage.cacheWriteInputTokens !== undefined)
    attributes[GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS] = usage.cacheWriteInputTokens
  if (usage.reasoningTokens !== undefined)
    attributes[GEN_AI.USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoningTokens
}

/** A message in the conventions' shape: `{ role, parts: [{ type: 'text', content } | ...] }`. */
export function toGenAiMessage(message: Message): unknown {
  switch (message.role) {
    case 'system':
      return { role: 'system', parts: [{ type: 'text', content: message.content }] }
    case 'tool':
      return {
        role: 'tool',
        parts: [{ type: 'tool_call_response', id: message.callId, result: message.content }],
      }
    case 'user':
    case 'assistant': {
      if (typeof message.content === 'string') {
        return { role: message.role, parts: [{ type: 'text', content: message.content }] }
      }
      const parts = message.content.map((part) => {
        switch (part.type) {
          case 'text':
            return { type: 'text', content: part.text }
          case 'image':
            return { type: 'image', ...(part.url === undefined ? {} : { url: part.url }) }
          case 'tool-call':
            return { type: 'tool_call', id: part.callId, name: part.name, arguments: part.arguments }
          case 'reasoning':
            return { type: 'reasoning', content: part.text }
          default:
            return part satisfies never
        }
      })
      return { role: message.role, parts }
    }
    default:
      return message satisfies never
  }
}

/** A `chat` span's name and start attributes, shared by a run's calls to one model. */
export interface ChatModel {
  /** `provider:model`, as the events name it. */
  model: string
  modelId: string
  name: string
  attributes: TraceAttributes
}

export function chatOf(model: string): ChatModel {
  const [provider, modelId] = splitModel(model)
  return {
    model,
    modelId,
    name: `${OPERATION.CHAT} ${modelId}`,
    attributes: Object.freeze({
      [GEN_AI.OPERATION_NAME]: OPERATION.CHAT,
      [GEN_AI.PROVIDER_NAME]: provider,
      [GEN_AI.REQUEST_MODEL]: modelId,
    }),
  }
}
