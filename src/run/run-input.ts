import { ConfigError } from '../errors/errors.js'
import type { Message } from '../messages/message.js'

/** What a run starts from: a user message as text, or a conversation (such as a previous `result.messages`). */
export type RunInput = string | readonly Message[]

/** Checks the kind of input at once (so `stream()` can throw synchronously on a wrong type). */
export function checkInputKind(input: RunInput): void {
  if (typeof input !== 'string' && !Array.isArray(input)) {
    throw new ConfigError({
      message: `run input must be a string or an array of messages; got ${input === null ? 'null' : typeof input}.`,
    })
  }
}

// Loaded once: a dynamic import per call goes through the module loader every time (and through
// loader hooks such as tsx's, a round trip to another thread).
let messageSchemas: Promise<typeof import('../messages/message-schema.js')> | undefined

/**
 * Turns a run input into validated messages; a bad message fails with an error naming its index and
 * field. The message schemas (and zod) load on the first conversation given as messages.
 */
export async function toMessages(input: RunInput): Promise<Message[]> {
  checkInputKind(input)
  if (typeof input === 'string') return [{ role: 'user', content: input }]
  messageSchemas ??= import('../messages/message-schema.js')
  const { Message: MessageSchema } = await messageSchemas
  const messages: Message[] = []
  input.forEach((message, index) => {
    const parsed = MessageSchema.safeParse(message)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const path = [index, ...(issue?.path ?? [])].map((key) =>
        typeof key === 'number' ? `[${key}]` : `.${String(key)}`,
      )
      throw new ConfigError({
        message: `run input${path.join('')}: ${issue?.message ?? 'invalid message'}. A message is { role: 'system' | 'user' | 'assistant', content } or { role: 'tool', callId, toolName, content }.`,
      })
    }
    messages.push(parsed.data)
  })
  return messages
}
