/**
 * zod schemas of the message types, used to validate messages that come from outside (a caller's
 * input, a store). Loaded on demand (`await import(...)`), so importing agentloop does not load zod.
 *
 * @module
 */
import { z } from 'zod'
import type * as Types from './message.js'

/** Plain text. */
export const TextPart = z.object({ type: z.literal('text'), text: z.string() })

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

/** Provider-specific data a part carries so it can be sent back to the same provider unchanged. */
export const ProviderMetadata = z.record(z.string(), z.record(z.string(), z.unknown()))

/**
 * A tool call the model made. `arguments` is the raw JSON text the model wrote, kept verbatim (even
 * when it is not valid JSON) so the conversation can be sent back exactly as it happened.
 */
export const ToolCallPart = z.object({
  type: z.literal('tool-call'),
  callId: z.string(),
  name: z.string(),
  arguments: z.string(),
  providerMetadata: ProviderMetadata.optional(),
})

/** The model's reasoning (thinking). `redacted` reasoning has no readable text, only provider data. */
export const ReasoningPart = z.object({
  type: z.literal('reasoning'),
  text: z.string(),
  signature: z.string().optional(),
  redacted: z.boolean().optional(),
  providerMetadata: ProviderMetadata.optional(),
})

/** What a user message may contain. */
export const UserPart = z.union([TextPart, ImagePart])

/** What an assistant message may contain. */
export const AssistantPart = z.discriminatedUnion('type', [TextPart, ToolCallPart, ReasoningPart])

/** Instructions for the model. */
export const SystemMessage = z.object({ role: z.literal('system'), content: z.string() })

/** A message from the user. */
export const UserMessage = z.object({
  role: z.literal('user'),
  content: z.union([z.string(), z.array(UserPart)]),
})

/** A message from the model: text, reasoning and tool calls, in the order the model produced them. */
export const AssistantMessage = z.object({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(AssistantPart)]),
})

/** The result of one tool call, answering the assistant's tool call with the same `callId`. */
export const ToolMessage = z.object({
  role: z.literal('tool'),
  callId: z.string(),
  toolName: z.string(),
  content: z.string(),
  isError: z.boolean().optional(),
})

/** One message of a conversation. */
export const Message = z.discriminatedUnion('role', [
  SystemMessage,
  UserMessage,
  AssistantMessage,
  ToolMessage,
])

// The schemas and the hand-written types must describe the same data.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const agree: [
  Same<z.infer<typeof Message>, Types.Message>,
  Same<z.infer<typeof AssistantPart>, Types.AssistantPart>,
  Same<z.infer<typeof UserPart>, Types.UserPart>,
] = [true, true, true]
void agree
