/**
 * Reads Anthropic Messages events into agentloop stream parts: text, thinking (with its signature)
 * and redacted thinking, tool_use blocks whose input streams as `input_json_delta`, stop reasons and
 * usage with cache tokens.
 *
 * @module
 */
import type { AssistantPart } from '../../messages/message.js'
import { type FinishReason, type ModelResponse, textOfContent } from '../../model/model-response.js'
import type { ModelStreamPart } from '../../model/model-stream-part.js'
import type { Usage } from '../../model/usage.js'
import type { JsonValue } from '../../util/json.js'

type Loose = Record<string, unknown>
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined)

/** Maps an Anthropic stop reason. */
export function anthropicFinishReason(reason: unknown): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop'
    case 'tool_use':
      return 'tool-calls'
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'refusal':
      return 'content-filter'
    default:
      return 'other'
  }
}

/** Usage counters of an Anthropic message; `inputTokens` includes cache reads and writes. */
export interface AnthropicUsageCounters {
  input: number
  cacheRead: number | undefined
  cacheWrite: number | undefined
  output: number
}

function readCounters(counters: AnthropicUsageCounters, raw: unknown): void {
  if (!isObject(raw)) return
  counters.input = num(raw.input_tokens) ?? counters.input
  counters.cacheRead = num(raw.cache_read_input_tokens) ?? counters.cacheRead
  counters.cacheWrite = num(raw.cache_creation_input_tokens) ?? counters.cacheWrite
  counters.output = num(raw.output_tokens) ?? counters.output
}

function toUsage(counters: AnthropicUsageCounters): Usage {
  const inputTokens = counters.input + (counters.cacheRead ?? 0) + (counters.cacheWrite ?? 0)
  const usage: Usage = {
    inputTokens,
    outputTokens: counters.output,
    totalTokens: inputTokens + counters.output,
  }
  if (counters.cacheRead !== undefined) usage.cachedInputTokens = counters.cacheRead
  if (counters.cacheWrite !== undefined) usage.cacheWriteInputTokens = counters.cacheWrite
  return usage
}

interface Block {
  type: string
  callId?: string
  /** The input given whole in `content_block_start`, used when no `input_json_delta` follows. */
  input?: string
  streamed?: boolean
  signature?: string
  data?: string
}

/** The input of a `tool_use` block as JSON text: `{}` when it has none, never "". */
function inputText(input: unknown): string {
  return isObject(input) ? JSON.stringify(input) : '{}'
}

/** The state of one streamed Anthropic answer. */
export function createAnthropicStreamReader(options: { includeRaw?: boolean } = {}) {
  const blocks = new Map<number, Block>()
  const raw: JsonValue[] | undefined = options.includeRaw === true ? [] : undefined
  const counters: AnthropicUsageCounters = {
    input: 0,
    cacheRead: undefined,
    cacheWrite: undefined,
    output: 0,
  }
  let stopReason: unknown
  let done = false

  return {
    get done() {
      return done
    },
    read(event: unknown): ModelStreamPart[] {
      if (!isObject(event)) return []
      raw?.push(event as JsonValue)
      const index = num(event.index) ?? -1
      switch (event.type) {
        case 'message_start': {
          const message = isObject(event.message) ? event.message : {}
          readCounters(counters, message.usage)
          return [
            {
              type: 'response.start',
              ...(text(message.id) ? { responseId: text(message.id) } : {}),
              ...(text(message.model) ? { modelId: text(message.model) } : {}),
            },
          ]
        }
        case 'content_block_start': {
          const block = isObject(event.content_block) ? event.content_block : {}
          const type = text(block.type) ?? ''
          if (type === 'tool_use') {
            const callId = text(block.id) || `toolu_${index}`
            blocks.set(index, { type, callId, input: inputText(block.input) })
            return [{ type: 'tool.call.start', callId, name: text(block.name) ?? '' }]
          }
          blocks.set(index, { type, ...(text(block.data) === undefined ? {} : { data: text(block.data) }) })
          return []
        }
        case 'content_block_delta': {
          const delta = isObject(event.delta) ? event.delta : {}
          const block = blocks.get(index)
          switch (delta.type) {
            case 'text_delta':
              return text(delta.text) ? [{ type: 'text.delta', delta: delta.text as string }] : []
            case 'thinking_delta':
              return text(delta.thinking)
                ? [{ type: 'reasoning.delta', delta: delta.thinking as string }]
                : []
            case 'signature_delta':
              if (block !== undefined)
                block.signature = (block.signature ?? '') + (text(delta.signature) ?? '')
              return []
            case 'input_json_delta':
              if (block?.callId === undefined || !text(delta.partial_json)) return []
              block.streamed = true
              return [{ type: 'tool.call.delta', callId: block.callId, delta: delta.partial_json as string }]
            default:
              return []
          }
        }
        case 'content_block_stop': {
          const block = blocks.get(index)
          if (block?.type === 'tool_use' && block.callId !== undefined) {
            const end: ModelStreamPart = { type: 'tool.call.end', callId: block.callId }
            // No input_json_delta with content (a tool with no input): the start block's input, or `{}`.
            if (block.streamed === true) return [end]
            return [{ type: 'tool.call.delta', callId: block.callId, delta: block.input ?? '{}' }, end]
          }
          if (block?.type === 'thinking') {
            return [
              {
                type: 'reasoning.end',
                ...(block.signature === undefined ? {} : { signature: block.signature }),
              },
            ]
          }
          if (block?.type === 'redacted_thinking') {
            return [
              {
                type: 'reasoning.end',
                redacted: true,
                providerMetadata: { anthropic: { data: block.data ?? '' } },
              },
            ]
          }
          return []
        }
        case 'message_delta': {
          const delta = isObject(event.delta) ? event.delta : {}
          if (delta.stop_reason !== undefined && delta.stop_reason !== null) stopReason = delta.stop_reason
          readCounters(counters, event.usage)
          return []
        }
        case 'message_stop':
          done = true
          return [
            {
              type: 'finish',
              finishReason: anthropicFinishReason(stopReason),
              usage: toUsage(counters),
              ...(raw === undefined ? {} : { raw }),
            },
          ]
        default:
          return []
      }
    },
  }
}

/** Reads a non-streamed Messages response. */
export function anthropicResponse(raw: unknown, options: { includeRaw?: boolean } = {}): ModelResponse {
  const body = isObject(raw) ? raw : {}
  const content: AssistantPart[] = []
  for (const block of Array.isArray(body.content) ? body.content : []) {
    if (!isObject(block)) continue
    switch (block.type) {
      case 'text':
        if (text(block.text)) content.push({ type: 'text', text: block.text as string })
        break
      case 'thinking':
        content.push({
          type: 'reasoning',
          text: text(block.thinking) ?? '',
          ...(text(block.signature) === undefined ? {} : { signature: text(block.signature) }),
        })
        break
      case 'redacted_thinking':
        content.push({
          type: 'reasoning',
          text: '',
          redacted: true,
          providerMetadata: { anthropic: { data: text(block.data) ?? '' } },
        })
        break
      case 'tool_use':
        content.push({
          type: 'tool-call',
          callId: text(block.id) ?? '',
          name: text(block.name) ?? '',
          arguments: inputText(block.input),
        })
        break
      default:
        break
    }
  }
  const counters: AnthropicUsageCounters = {
    input: 0,
    cacheRead: undefined,
    cacheWrite: undefined,
    output: 0,
  }
  readCounters(counters, body.usage)
  const response: ModelResponse = {
    content,
    finishReason: anthropicFinishReason(body.stop_reason),
    usage: toUsage(counters),
    outputText: textOfContent(content),
  }
  if (text(body.id)) response.responseId = body.id as string
  if (text(body.model)) response.modelId = body.model as string
  if (options.includeRaw === true) response.raw = raw as JsonValue
  return response
}
