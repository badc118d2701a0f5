/**
 * The conversation format every part of agentloop shares: what a run keeps, what hooks see, what
 * providers translate to their own shapes and what storage saves. Plain JSON; the matching zod
 * schemas (for validating messages from outside) live in `message-schema.ts`.
 *
 * @module
 */

/** Plain text. */
export interface TextPart {
  type: 'text'
  text: string
}

/** An image, by URL or as base64 data with its media type. */
export interface ImagePart {
  type: 'image'
  url?: string | undefined
  data?: string | undefined
  mediaType?: string | undefined
}

/**
 * A tool call the model made. `arguments` is the raw JSON text the model wrote, kept verbatim (even
 * when it is not valid JSON) so the conversation can be sent back exactly as it happened.
 */
export interface ToolCallPart {
  type: 'tool-call'
  callId: string
  name: string
  arguments: string
  /**
   * Provider data that belongs to the call and must go back with it (Gemini's `thought_signature`
   * through an OpenAI-compatible endpoint, an AI SDK provider's metadata), by provider name.
   */
  providerMetadata?: ProviderMetadata | undefined
}

/** Provider-specific data a part carries so it can be sent back to the same provider unchanged. */
export type ProviderMetadata = Record<string, Record<string, unknown>>

/** The model's reasoning (thinking). `redacted` reasoning has no readable text, only provider data. */
export interface ReasoningPart {
  type: 'reasoning'
  text: string
  signature?: string | undefined
  redacted?: boolean | undefined
  providerMetadata?: ProviderMetadata | undefined
}

/** What a user message may contain. */
export type UserPart = TextPart | ImagePart

/** What an assistant message may contain. */
export type AssistantPart = TextPart | ToolCallPart | ReasoningPart

/** Instructions for the model. */
export interface SystemMessage {
  role: 'system'
  content: string
}

/** A message from the user. */
export interface UserMessage {
  role: 'user'
  content: string | UserPart[]
}

/** A message from the model: text, reasoning and tool calls, in the order the model produced them. */
export interface AssistantMessage {
  role: 'assistant'
  content: string | AssistantPart[]
}

/** The result of one tool call, answering the assistant's tool call with the same `callId`. */
export interface ToolMessage {
  role: 'tool'
  callId: string
  toolName: string
  content: string
  isError?: boolean | undefined
}

/** One message of a conversation. */
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage

/** The text of a message, without tool calls or reasoning. */
export function messageText(message: Message): string {
  const content = message.content
  if (typeof content === 'string') return content
  let text = ''
  for (const part of content) if (part.type === 'text') text += part.text
  return text
}

/** The tool calls of an assistant message, in order. */
export function toolCallsOf(message: Message): ToolCallPart[] {
  if (message.role !== 'assistant' || typeof message.content === 'string') return []
  return message.content.filter((part): part is ToolCallPart => part.type === 'tool-call')
}
