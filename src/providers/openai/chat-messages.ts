/**
 * The one converter between agentloop messages and OpenAI's Chat Completions `messages`: the
 * `openaiChat` adapter builds every request with {@link toOpenAIChat}, and {@link fromOpenAIChat}
 * restores a conversation saved in that shape so it can be continued with any provider.
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import type { AssistantPart, Message, ToolCallPart, UserPart } from '../../messages/message.js'

/** A content part of an OpenAI Chat Completions message (the kinds agentloop converts). */
export type OpenAIChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: 'refusal'; refusal: string }
  | { type: string; [key: string]: unknown }

/**
 * A tool call of an assistant message. Fields besides these (Gemini's `extra_content` with its
 * `thought_signature`) are provider data, kept with the call and sent back with it.
 */
export interface OpenAIChatToolCall {
  id: string
  type?: 'function'
  function: { name: string; arguments: string }
  [key: string]: unknown
}

/** A message in OpenAI's Chat Completions shape (`messages` of a request). */
export type OpenAIChatMessage =
  | { role: 'system' | 'developer'; content: string | OpenAIChatContentPart[]; name?: string }
  | { role: 'user'; content: string | OpenAIChatContentPart[]; name?: string }
  | {
      role: 'assistant'
      content?: string | OpenAIChatContentPart[] | null
      refusal?: string | null
      tool_calls?: OpenAIChatToolCall[]
      /** DeepSeek, vLLM and others put the reasoning here. */
      reasoning_content?: string | null
      name?: string
    }
  | { role: 'tool'; tool_call_id: string; content: string | OpenAIChatContentPart[] }

/** Options of {@link toOpenAIChat} and {@link fromOpenAIChat}. */
export interface OpenAIChatConversionOptions {
  /** The system prompt, sent as a leading system (or developer) message. */
  instructions?: string | undefined
  /** Send the instructions with role `developer` (o-series models prefer it). */
  developerRole?: boolean | undefined
  /** The provider name under which tool calls keep their provider data (default `openai`). */
  provider?: string | undefined
}

const TOOL_CALL_FIELDS = new Set(['id', 'type', 'function', 'index'])

function textOf(content: string | OpenAIChatContentPart[] | null | undefined): string {
  if (content === null || content === undefined) return ''
  if (typeof content === 'string') return content
  return content
    .map((part) =>
      part.type === 'text' ? String(part.text) : part.type === 'refusal' ? String(part.refusal) : '',
    )
    .join('')
}

function imageFromUrl(url: string): UserPart {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url)
  if (data !== null) return { type: 'image', mediaType: data[1], data: data[2] }
  return { type: 'image', url }
}

function toolCallPart(call: OpenAIChatToolCall, provider: string): ToolCallPart {
  const part: ToolCallPart = {
    type: 'tool-call',
    callId: call.id,
    name: call.function.name,
    arguments: call.function.arguments === '' ? '{}' : call.function.arguments,
  }
  const extras = Object.entries(call).filter(
    ([key, value]) => !TOOL_CALL_FIELDS.has(key) && value !== undefined && value !== null,
  )
  if (extras.length > 0) part.providerMetadata = { [provider]: Object.fromEntries(extras) }
  return part
}

/**
 * Converts a conversation saved in OpenAI's Chat Completions shape to agentloop messages, so it can
 * be continued with any provider. System and developer messages become system messages; a tool
 * result takes its tool name from the call it answers.
 */
export function fromOpenAIChat(
  messages: readonly OpenAIChatMessage[],
  options: Pick<OpenAIChatConversionOptions, 'provider'> = {},
): Message[] {
  const provider = options.provider ?? 'openai'
  const toolNames = new Map<string, string>()
  return messages.map((message, index): Message => {
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message.content) }
      case 'user': {
        if (typeof message.content === 'string') return { role: 'user', content: message.content }
        const parts: UserPart[] = []
        for (const part of message.content) {
          if (part.type === 'text') parts.push({ type: 'text', text: String(part.text) })
          else if (part.type === 'image_url') {
            parts.push(imageFromUrl((part as { image_url: { url: string } }).image_url.url))
          }
        }
        return { role: 'user', content: parts }
      }
      case 'assistant': {
        const parts: AssistantPart[] = []
        if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') {
          parts.push({ type: 'reasoning', text: message.reasoning_content })
        }
        const text = textOf(message.content) || (message.refusal ?? '')
        if (text !== '') parts.push({ type: 'text', text })
        for (const call of message.tool_calls ?? []) {
          toolNames.set(call.id, call.function.name)
          parts.push(toolCallPart(call, provider))
        }
        return { role: 'assistant', content: parts }
      }
      case 'tool': {
        const toolName = toolNames.get(message.tool_call_id)
        if (toolName === undefined) {
          throw new ConfigError({
            message: `fromOpenAIChat: messages[${index}] answers tool call "${message.tool_call_id}", which no earlier assistant message made.`,
          })
        }
        return { role: 'tool', callId: message.tool_call_id, toolName, content: textOf(message.content) }
      }
      default:
        throw new ConfigError({
          message: `fromOpenAIChat: messages[${index}] has role ${JSON.stringify((message as { role: unknown }).role)}; expected system, developer, user, assistant or tool.`,
        })
    }
  })
}

function userContent(content: string | UserPart[]): string | OpenAIChatContentPart[] {
  if (typeof content === 'string') return content
  return content.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : {
          type: 'image_url',
          image_url: { url: part.url ?? `data:${part.mediaType ?? 'image/png'};base64,${part.data ?? ''}` },
        },
  )
}

function assistantMessage(content: string | AssistantPart[], provider: string): OpenAIChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content }
  let text = ''
  const calls: OpenAIChatToolCall[] = []
  for (const part of content) {
    if (part.type === 'text') text += part.text
    else if (part.type === 'tool-call') {
      calls.push({
        // Provider data first: the standard fields always win.
        ...part.providerMetadata?.[provider],
        id: part.callId,
        type: 'function',
        function: { name: part.name, arguments: part.arguments },
      })
    }
    // Reasoning is not sent back: Chat Completions has no field for it (DeepSeek rejects it).
  }
  return {
    role: 'assistant',
    content: text === '' && calls.length > 0 ? null : text,
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  }
}

/**
 * Converts agentloop messages to OpenAI's Chat Completions shape: the `messages` of a request.
 * `instructions` become a leading system message. Reasoning is not sent back (Chat Completions
 * has no field for it); a tool call's provider data for `provider` goes back with the call.
 */
export function toOpenAIChat(
  messages: readonly Message[],
  options: OpenAIChatConversionOptions = {},
): OpenAIChatMessage[] {
  const provider = options.provider ?? 'openai'
  const out: OpenAIChatMessage[] = []
  if (options.instructions !== undefined && options.instructions !== '') {
    out.push({ role: options.developerRole === true ? 'developer' : 'system', content: options.instructions })
  }
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        out.push({ role: 'system', content: message.content })
        break
      case 'user':
        out.push({ role: 'user', content: userContent(message.content) })
        break
      case 'assistant':
        out.push(assistantMessage(message.content, provider))
        break
      case 'tool':
        out.push({ role: 'tool', tool_call_id: message.callId, content: message.content })
        break
      default:
        message satisfies never
    }
  }
  return out
}
