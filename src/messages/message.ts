/**
 * The conversation format every part of agentloop shares: what a run keeps, what hooks see, what
 * providers translate to their own shapes and what storage saves. Each type is also a zod schema of
 * the same name, used to validate messages that come from outside (a caller's input, a store).
 *
 * @module
 */
import { z } from 'zod'

/** Plain text. */
export const TextPart = z.object({ type: z.literal('text'), text: z.string() })
export type TextPart = z.infer<typeof TextPart>

/** An image, by URL or as base64 data with its media type. */
export const ImagePart = z
  .object({
    type: z.literal('image'),
    url: z.string().optional(),
    data: z.string().optional(),
    mediaType: z.string().optional(),
  })
  .refine((part) => part.url !== undefined || part.data !== undefined, {
    message: 'An image part needs either `url` or `data` (base64).',
  })
export type ImagePart = z.infer<typeof ImagePart>

/**
 * A tool call the model made. `arguments` is the raw JSON text the model wrote, kept verbatim (even
 * when it is not valid JSON) so the conversation can be sent back exactly as it happened.
 */
export const ToolCallPart = z.object({
  type: z.literal('tool-call'),
  callId: z.string(),
  name: z.string(),
  arguments: z.string(),
})
export type ToolCallPart = z.infer<typeof ToolCallPart>

/** Provider-specific data a part carries so it can be sent back to the same provider unchanged. */
export const ProviderMetadata = z.record(z.string(), z.record(z.string(), z.unknown()))
export type ProviderMetadata = z.infer<typeof ProviderMetadata>

/** The model's reasoning (thinking). `redacted` reasoning has no readable text, only provider data. */
export const ReasoningPart = z.object({
  type: z.literal('reasoning'),
  text: z.string(),
  signature: z.string().optional(),
  redacted: z.boolean().optional(),
  providerMetadata: ProviderMetadata.optional(),
})
export type ReasoningPart = z.infer<typeof ReasoningPart>

/** What a user message may contain. */
export const UserPart = z.union([TextPart, ImagePart])
export type UserPart = z.infer<typeof UserPart>

/** What an assistant message may contain. */
export const AssistantPart = z.discriminatedUnion('type', [TextPart, ToolCallPart, ReasoningPart])
export type AssistantPart = z.infer<typeof AssistantPart>

/** Instructions for the model. */
export const SystemMessage = z.object({ role: z.literal('system'), content: z.string() })
export type SystemMessage = z.infer<typeof SystemMessage>

/** A message from the user. */
export const UserMessage = z.object({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(UserPart)]),
})
export type UserMessage = z.infer<typeof UserMessage>

/** A message from the model: text, reasoning and tool calls, in the order the model produced them. */
export const AssistantMessage = z.object({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(AssistantPart)]),
})
export type AssistantMessage = z.infer<typeof AssistantMessage>

/** The result of one tool call, answering the assistant's tool call with the same `callId`. */
export const ToolMessage = z.object({
  role: z.literal('tool'),
  callId: z.string(),
  toolName: z.string(),
  content: z.string(),
  isError: z.boolean().optional(),
})
export type ToolMessage = z.infer<typeof ToolMessage>

/** One message of a conversation. */
export const Message = z.discriminatedUnion('role', [
  SystemMessage,
  UserMessage,
  AssistantMessage,
  ToolMessage,
])
export type Message = z.infer<typeof Message>

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
