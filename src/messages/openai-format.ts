import { ConfigError } from '../errors/errors.js'
import type { AssistantPart, Message, UserPart } from './message.js'

/** A content part of an OpenAI Chat Completions message (the kinds agentloop converts). */
export type OpenAIChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: 'refusal'; refusal: string }
  | { type: string; [key: string]: unknown }

/** A message in OpenAI's Chat Completions shape (`messages` of a request). */
export type OpenAIChatMessage =
  | { role: 'system' | 'developer'; content: string | OpenAIChatContentPart[]; name?: string }
  | { role: 'user'; content: string | OpenAIChatContentPart[]; name?: string }
  | {
      role: 'assistant'
      content?: string | OpenAIChatContentPart[] | null
      refusal?: string | null
      tool_calls?: { id: string; type?: 'function'; function: { name: string; arguments: string } }[]
      /** DeepSeek, vLLM and others put the reasoning here. */
      reasoning_content?: string | null
      name?: string
    }
  | { role: 'tool'; tool_call_id: string; content: string | OpenAIChatContentPart[] }

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

/**
 * Converts a conversation saved in OpenAI's Chat Completions shape to agentloop messages, so it can
 * be continued with any provider. System and developer messages become system messages; a tool
 * result takes its tool name from the call it answers.
 */
export function fromOpenAIChat(messages: readonly OpenAIChatMessage[]): Message[] {
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
          parts.push({
            type: 'tool-call',
            callId: call.id,
            name: call.function.name,
            arguments: call.function.arguments,
          })
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

/**
 * Converts agentloop messages to OpenAI's Chat Completions shape. `instructions` become a leading
 * system message. Reasoning is not sent back (Chat Completions has no field for it).
 */
export function toOpenAIChat(
  messages: readonly Message[],
  options: { instructions?: string } = {},
): OpenAIChatMessage[] {
  const out: OpenAIChatMessage[] = []
  if (options.instructions !== undefined && options.instructions !== '') {
    out.push({ role: 'system', content: options.instructions })
  }
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        out.push({ role: 'system', content: message.content })
        break
      case 'user':
        if (typeof message.content === 'string') out.push({ role: 'user', content: message.content })
        else {
          out.push({
            role: 'user',
            content: message.content.map((part) =>
              part.type === 'text'
                ? { type: 'text', text: part.text }
                : {
                    type: 'image_url',
                    image_url: {
                      url: part.url ?? `data:${part.mediaType ?? 'image/png'};base64,${part.data ?? ''}`,
                    },
                  },
            ),
          })
        }
        break
      case 'assistant': {
        if (typeof message.content === 'string') {
          out.push({ role: 'assistant', content: message.content })
          break
        }
        const text = message.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
        const calls = message.content.flatMap((part) =>
          part.type === 'tool-call'
            ? [
                {
                  id: part.callId,
                  type: 'function' as const,
                  function: { name: part.name, arguments: part.arguments },
                },
              ]
            : [],
        )
        out.push({
          role: 'assistant',
          content: text === '' && calls.length > 0 ? null : text,
          ...(calls.length > 0 ? { tool_calls: calls } : {}),
        })
        break
      }
      case 'tool':
        out.push({ role: 'tool', tool_call_id: message.callId, content: message.content })
        break
      default:
        message satisfies never
    }
  }
  return out
}
