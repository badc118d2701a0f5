/**
 * The one converter between agentloop messages and Anthropic's Messages API shape: the
 * `anthropic` adapter builds every request with {@link toAnthropic}, and {@link fromAnthropic}
 * restores a conversation saved in that shape so it can be continued with any provider.
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import type { AssistantPart, Message, ReasoningPart, ToolMessage, UserPart } from '../../messages/message.js'
import { parseJson } from '../../util/json.js'

/** A content block of an Anthropic Messages API message (the kinds agentloop converts). */
export type AnthropicContentBlock =
  | { type: 'text'; text: string }
  | {
      type: 'image'
      source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string }
    }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | {
      type: 'tool_result'
      tool_use_id: string
      content?: string | { type: 'text'; text: string }[]
      is_error?: boolean
    }
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'redacted_thinking'; data: string }

/** A message in Anthropic's Messages API shape. */
export interface AnthropicMessage {
  role: 'user' | 'assistant'
  content: string | AnthropicContentBlock[]
}

/** A conversation in Anthropic's shape: the system prompt is apart from the messages. */
export interface AnthropicConversation {
  system?: string | { type: 'text'; text: string }[]
  messages: AnthropicMessage[]
}

/** What {@link toAnthropic} returns: content always as blocks, ready for a request. */
export interface AnthropicRequestConversation {
  system?: string
  messages: (AnthropicMessage & { content: AnthropicContentBlock[] })[]
}

function resultText(content: string | { type: 'text'; text: string }[] | undefined): string {
  if (content === undefined) return ''
  if (typeof content === 'string') return content
  return content.map((block) => (block.type === 'text' ? block.text : '')).join('')
}

/** A `tool_use` input as JSON text: `{}` when there is none, never "". */
function inputText(input: unknown): string {
  return typeof input === 'object' && input !== null ? JSON.stringify(input) : '{}'
}

/** A tool call's arguments as the object Anthropic requires (`{}` for none or for text that is not an object). */
function inputObject(text: string): unknown {
  const parsed = parseJson(text.trim() === '' ? '{}' : text)
  return parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? parsed.value : {}
}

/**
 * Converts a conversation saved in Anthropic's Messages shape to agentloop messages. A user
 * message's `tool_result` blocks become tool messages (in order, before the rest of its content);
 * thinking keeps its signature and redacted thinking its data, so they can be sent back.
 */
export function fromAnthropic(conversation: AnthropicConversation): Message[] {
  const out: Message[] = []
  const system = conversation.system
  if (system !== undefined) {
    const text = typeof system === 'string' ? system : system.map((block) => block.text).join('\n')
    if (text !== '') out.push({ role: 'system', content: text })
  }
  const toolNames = new Map<string, string>()
  conversation.messages.forEach((message, index) => {
    if (typeof message.content === 'string') {
      out.push({ role: message.role, content: message.content })
      return
    }
    if (message.role === 'assistant') {
      const parts: AssistantPart[] = []
      for (const block of message.content) {
        if (block.type === 'text') parts.push({ type: 'text', text: block.text })
        else if (block.type === 'thinking') {
          parts.push({
            type: 'reasoning',
            text: block.thinking,
            ...(block.signature ? { signature: block.signature } : {}),
          })
        } else if (block.type === 'redacted_thinking') {
          parts.push({
            type: 'reasoning',
            text: '',
            redacted: true,
            providerMetadata: { anthropic: { data: block.data } },
          })
        } else if (block.type === 'tool_use') {
          toolNames.set(block.id, block.name)
          parts.push({
            type: 'tool-call',
            callId: block.id,
            name: block.name,
            arguments: inputText(block.input),
          })
        }
      }
      out.push({ role: 'assistant', content: parts })
      return
    }
    const rest: UserPart[] = []
    for (const block of message.content) {
      if (block.type === 'tool_result') {
        const toolName = toolNames.get(block.tool_use_id)
        if (toolName === undefined) {
          throw new ConfigError({
            message: `fromAnthropic: messages[${index}] holds a tool_result for "${block.tool_use_id}", which no earlier assistant tool_use made.`,
          })
        }
        const tool: ToolMessage = {
          role: 'tool',
          callId: block.tool_use_id,
          toolName,
          content: resultText(block.content),
        }
        if (block.is_error === true) tool.isError = true
        out.push(tool)
      } else if (block.type === 'text') rest.push({ type: 'text', text: block.text })
      else if (block.type === 'image') {
        rest.push(
          block.source.type === 'url'
            ? { type: 'image', url: block.source.url }
            : { type: 'image', mediaType: block.source.media_type, data: block.source.data },
        )
      }
    }
    if (rest.length > 0) out.push({ role: 'user', content: rest })
  })
  return out
}

function userBlock(part: UserPart): AnthropicContentBlock {
  if (part.type === 'text') return { type: 'text', text: part.text }
  if (part.url !== undefined) return { type: 'image', source: { type: 'url', url: part.url } }
  return {
    type: 'image',
    source: { type: 'base64', media_type: part.mediaType ?? 'image/png', data: part.data ?? '' },
  }
}

function reasoningBlock(part: ReasoningPart): AnthropicContentBlock | undefined {
  if (part.redacted === true) {
    // `redactedData` is how earlier versions of fromAnthropic stored it.
    const meta = part.providerMetadata?.anthropic
    const data = meta?.data ?? meta?.redactedData
    return typeof data === 'string' ? { type: 'redacted_thinking', data } : undefined
  }
  // Thinking goes back only with its signature (the API verifies it); unsigned reasoning is dropped.
  if (part.signature !== undefined)
    return { type: 'thinking', thinking: part.text, signature: part.signature }
  return undefined
}

function assistantBlocks(content: string | AssistantPart[]): AnthropicContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  const blocks: AnthropicContentBlock[] = []
  for (const part of content) {
    if (part.type === 'text') {
      if (part.text !== '') blocks.push({ type: 'text', text: part.text })
    } else if (part.type === 'tool-call') {
      blocks.push({ type: 'tool_use', id: part.callId, name: part.name, input: inputObject(part.arguments) })
    } else {
      const block = reasoningBlock(part)
      if (block !== undefined) blocks.push(block)
    }
  }
  return blocks
}

/**
 * Converts agentloop messages to Anthropic's shape, as the adapter sends them: system messages
 * (and `instructions`) join the system prompt, consecutive tool results become one user message
 * of `tool_result` blocks, and messages of one role in a row are merged (Anthropic wants
 * alternating roles).
 */
export function toAnthropic(
  messages: readonly Message[],
  options: { instructions?: string | undefined } = {},
): AnthropicRequestConversation {
  const system: string[] = []
  if (options.instructions !== undefined && options.instructions !== '') system.push(options.instructions)
  const out: AnthropicRequestConversation['messages'] = []
  const push = (role: 'user' | 'assistant', blocks: AnthropicContentBlock[]) => {
    const last = out[out.length - 1]
    if (last !== undefined && last.role === role) last.content.push(...blocks)
    else out.push({ role, content: blocks })
  }
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        system.push(message.content)
        break
      case 'user':
        push(
          'user',
          typeof message.content === 'string'
            ? [{ type: 'text', text: message.content }]
            : message.content.map(userBlock),
        )
        break
      case 'tool':
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: message.callId,
            content: message.content,
            ...(message.isError === true ? { is_error: true } : {}),
          },
        ])
        break
      case 'assistant':
        push('assistant', assistantBlocks(message.content))
        break
      default:
        message satisfies never
    }
  }
  const result: AnthropicRequestConversation = { messages: out }
  if (system.length > 0) result.system = system.join('\n\n')
  return result
}
