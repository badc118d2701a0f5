/**
 * Reads Responses API events into agentloop stream parts: text, refusals, reasoning summaries (with
 * the item id and encrypted content kept for the next turn), function calls whose arguments stream
 * in deltas, usage, and errors sent inside the stream (`error`, `response.failed`).
 *
 * @module
 */
import type { ModelError } from '../../errors/errors.js'
import type { AssistantPart } from '../../messages/message.js'
import { type FinishReason, type ModelResponse, textOfContent } from '../../model/model-response.js'
import type { ModelStreamPart } from '../../model/model-stream-part.js'
import type { Usage } from '../../model/usage.js'
import type { JsonValue } from '../../util/json.js'
import { streamReportedError } from '../shared/provider-error.js'

type Loose = Record<string, unknown>
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined)

/** Reads a Responses usage object. */
export function responsesUsage(raw: unknown): Usage {
  if (!isObject(raw)) return { inputTokens: 0, outputTokens: 0, totalTokens: 0 }
  const inputTokens = num(raw.input_tokens) ?? 0
  const outputTokens = num(raw.output_tokens) ?? 0
  const usage: Usage = {
    inputTokens,
    outputTokens,
    totalTokens: num(raw.total_tokens) ?? inputTokens + outputTokens,
  }
  const reasoning = isObject(raw.output_tokens_details)
    ? num(raw.output_tokens_details.reasoning_tokens)
    : undefined
  if (reasoning !== undefined) usage.reasoningTokens = reasoning
  const cached = isObject(raw.input_tokens_details) ? num(raw.input_tokens_details.cached_tokens) : undefined
  if (cached !== undefined) usage.cachedInputTokens = cached
  return usage
}

function finishReason(response: Loose, hasCalls: boolean, refused: boolean): FinishReason {
  const reason = isObject(response.incomplete_details) ? response.incomplete_details.reason : undefined
  if (reason === 'max_output_tokens') return 'length'
  if (reason === 'content_filter' || refused) return 'content-filter'
  if (hasCalls) return 'tool-calls'
  return response.status === 'completed' || response.status === undefined ? 'stop' : 'other'
}

function failure(
  provider: string,
  error: Loose | undefined,
  fallbackMessage: string,
  requestId?: string,
): ModelError {
  return streamReportedError(provider, error, {
    fallbackMessage,
    ...(requestId === undefined ? {} : { requestId }),
  })
}

function reasoningMetadata(item: Loose): Record<string, Record<string, unknown>> {
  const meta: Record<string, unknown> = {}
  if (text(item.id) !== undefined) meta.itemId = item.id
  if (text(item.encrypted_content) !== undefined) meta.encryptedContent = item.encrypted_content
  return { openai: meta }
}

/** The state of one streamed Responses answer. */
export function createResponsesStreamReader(
  provider: string,
  options: { includeRaw?: boolean; requestId?: string } = {},
) {
  /** Call ids by item id, and whether argument deltas were seen. */
  const calls = new Map<string, { callId: string; streamed: boolean }>()
  const raw: JsonValue[] | undefined = options.includeRaw === true ? [] : undefined
  let refused = false
  let done = false

  return {
    get done() {
      return done
    },
    read(event: unknown): ModelStreamPart[] {
      if (!isObject(event)) return []
      raw?.push(event as JsonValue)
      switch (event.type) {
        case 'response.created': {
          const response = isObject(event.response) ? event.response : {}
          return [
            {
              type: 'response.start',
              ...(text(response.id) ? { responseId: text(response.id) } : {}),
              ...(text(response.model) ? { modelId: text(response.model) } : {}),
            },
          ]
        }
        case 'response.output_text.delta':
          return text(event.delta) ? [{ type: 'text.delta', delta: event.delta as string }] : []
        case 'response.refusal.delta':
          refused = true
          return text(event.delta) ? [{ type: 'text.delta', delta: event.delta as string }] : []
        case 'response.reasoning_summary_text.delta':
        case 'response.reasoning_text.delta':
          return text(event.delta) ? [{ type: 'reasoning.delta', delta: event.delta as string }] : []
        case 'response.reasoning_summary_part.added':
          // Separate the summary parts of one reasoning item.
          return (num(event.summary_index) ?? 0) > 0 ? [{ type: 'reasoning.delta', delta: '\n\n' }] : []
        case 'response.output_item.added': {
          const item = isObject(event.item) ? event.item : {}
          if (item.type !== 'function_call') return []
          const callId = text(item.call_id) || text(item.id) || `call_${calls.size + 1}`
          calls.set(text(item.id) ?? String(event.output_index), { callId, streamed: false })
          return [{ type: 'tool.call.start', callId, name: text(item.name) ?? '' }]
        }
        case 'response.function_call_arguments.delta': {
          const call = calls.get(text(event.item_id) ?? String(event.output_index))
          if (call === undefined || !text(event.delta)) return []
          call.streamed = true
          return [{ type: 'tool.call.delta', callId: call.callId, delta: event.delta as string }]
        }
        case 'response.output_item.done': {
          const item = isObject(event.item) ? event.item : {}
          if (item.type === 'reasoning')
            return [{ type: 'reasoning.end', providerMetadata: reasoningMetadata(item) }]
          if (item.type !== 'function_call') return []
          const call = calls.get(text(item.id) ?? String(event.output_index))
          if (call === undefined) return []
          const parts: ModelStreamPart[] = []
          // Servers that send the arguments only in the finished item.
          if (!call.streamed && text(item.arguments)) {
            parts.push({ type: 'tool.call.delta', callId: call.callId, delta: item.arguments as string })
          }
          parts.push({ type: 'tool.call.end', callId: call.callId })
          return parts
        }
        case 'response.completed':
        case 'response.incomplete': {
          const response = isObject(event.response) ? event.response : {}
          done = true
          return [
            {
              type: 'finish',
              finishReason: finishReason(response, calls.size > 0, refused),
              usage: responsesUsage(response.usage),
              ...(raw === undefined ? {} : { raw }),
            },
          ]
        }
        case 'error':
          throw failure(provider, event, 'unknown error', options.requestId)
        case 'response.failed': {
          const response = isObject(event.response) ? event.response : {}
          throw failure(
            provider,
            isObject(response.error) ? response.error : undefined,
            'the response failed',
            options.requestId,
          )
        }
        default:
          return []
      }
    },
  }
}

/** Reads a non-streamed Responses API body. */
export function responsesResponse(
  provider: string,
  raw: unknown,
  options: { includeRaw?: boolean } = {},
): ModelResponse {
  const body = isObject(raw) ? raw : {}
  if (body.status === 'failed')
    throw failure(provider, isObject(body.error) ? body.error : undefined, 'the response failed')
  const content: AssistantPart[] = []
  let refused = false
  for (const item of Array.isArray(body.output) ? body.output : []) {
    if (!isObject(item)) continue
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) {
        if (!isObject(part)) continue
        if (part.type === 'output_text' && text(part.text))
          content.push({ type: 'text', text: part.text as string })
        if (part.type === 'refusal' && text(part.refusal)) {
          refused = true
          content.push({ type: 'text', text: part.refusal as string })
        }
      }
    } else if (item.type === 'function_call') {
      content.push({
        type: 'tool-call',
        callId: text(item.call_id) ?? text(item.id) ?? '',
        name: text(item.name) ?? '',
        // A call with no input is `{}`, never "".
        arguments: text(item.arguments) || '{}',
      })
    } else if (item.type === 'reasoning') {
      const summary = Array.isArray(item.summary) ? item.summary : []
      content.push({
        type: 'reasoning',
        text: summary.map((part) => (isObject(part) ? (text(part.text) ?? '') : '')).join('\n\n'),
        providerMetadata: reasoningMetadata(item),
      })
    }
  }
  const hasCalls = content.some((part) => part.type === 'tool-call')
  const response: ModelResponse = {
    content,
    finishReason: finishReason(body, hasCalls, refused),
    usage: responsesUsage(body.usage),
    outputText: textOfContent(content),
  }
  if (text(body.id)) response.responseId = body.id as string
  if (text(body.model)) response.modelId = body.model as string
  if (options.includeRaw === true) response.raw = raw as JsonValue
  return response
}
