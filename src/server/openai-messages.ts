/**
 * The OpenAI Chat Completions request as `/v1/chat/completions` accepts it (zod, lenient about
 * fields it does not use), and its conversion to agentloop messages.
 *
 * @module
 */
import { z } from 'zod'
import type { AssistantPart, Message, UserPart } from '../messages/message.js'
import { HttpError } from './http-error.js'

const TextContent = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.literal('text'), text: z.string() })),
])
const UserContent = z.union([
  z.string(),
  z.array(
    z.union([
      z.looseObject({ type: z.literal('text'), text: z.string() }),
      z.looseObject({ type: z.literal('image_url'), image_url: z.looseObject({ url: z.string() }) }),
    ]),
  ),
])
const ToolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
})

/** One message of the request. */
export const ChatMessage = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content: TextContent }),
  z.looseObject({ role: z.literal('developer'), content: TextContent }),
  z.looseObject({ role: z.literal('user'), content: UserContent }),
  z.looseObject({
    role: z.literal('assistant'),
    content: z.union([TextContent, z.null()]).optional(),
    tool_calls: z.array(ToolCall).optional(),
  }),
  z.looseObject({ role: z.literal('tool'), tool_call_id: z.string().min(1), content: TextContent }),
])

/** A tool the client sends: returned to it as a tool call, never run by the server. */
export const ClientTool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1 to 64 letters, digits, _ or -'),
    description: z.string().max(4000).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
})

/** The request body (unknown fields are accepted and ignored, as OpenAI clients send many). */
export const ChatCompletionRequest = z
  .looseObject({
    model: z.string().min(1).max(200).describe('The name of a registered agent'),
    messages: z.array(ChatMessage).min(1).max(10_000),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
    tools: z.array(ClientTool).max(128).nullish(),
    tool_choice: z
      .union([
        z.enum(['auto', 'required', 'none']),
        z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
      ])
      .nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    max_tokens: z.number().int().min(1).nullish(),
    max_completion_tokens: z.number().int().min(1).nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    seed: z.number().int().nullish(),
    n: z.number().int().min(1).max(1).nullish().describe('Only 1 is supported'),
    user: z.string().max(256).nullish(),
  })
  .meta({ id: 'ChatCompletionRequest' })

export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>

const textOf = (content: z.infer<typeof TextContent>) =>
  typeof content === 'string' ? content : content.map((part) => part.text).join('')

/** Converts the request's messages; a tool message must answer a tool call sent before it. */
export function toMessages(messages: ChatCompletionRequest['messages']): Message[] {
  const toolNames = new Map<string, string>()
  return messages.map((message, index): Message => {
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(message.content) }
      case 'user': {
        if (typeof message.content === 'string') return { role: 'user', content: message.content }
        const parts: UserPart[] = message.content.map((part) =>
          part.type === 'text'
            ? { type: 'text', text: part.text }
            : { type: 'image', url: part.image_url.url },
        )
        return { role: 'user', content: parts }
      }
      case 'assistant': {
        const parts: AssistantPart[] = []
        const text = message.content == null ? '' : textOf(message.content)
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
        return { role: 'assistant', content: parts.length === 1 && parts[0]?.type === 'text' ? text : parts }
      }
      case 'tool': {
        const toolName = toolNames.get(message.tool_call_id)
        if (toolName === undefined) {
          throw new HttpError({
            type: 'invalid_request',
            field: `body.messages[${index}].tool_call_id`,
            message: `body.messages[${index}].tool_call_id: "${message.tool_call_id}" answers no tool call of an earlier assistant message.`,
          })
        }
        return { role: 'tool', callId: message.tool_call_id, toolName, content: textOf(message.content) }
      }
      default: {
        const never: never = message
        return never
      }
    }
  })
}
