import type { Message } from '../../messages/message.js'

const MAX_PART_CHARS = 4000

function clip(text: string): string {
  if (text.length <= MAX_PART_CHARS) return text
  return `${text.slice(0, MAX_PART_CHARS)} [... ${text.length - MAX_PART_CHARS} more characters]`
}

function line(message: Message): string {
  switch (message.role) {
    case 'system':
      return `System: ${clip(message.content)}`
    case 'user':
      if (typeof message.content === 'string') return `User: ${clip(message.content)}`
      return `User: ${clip(message.content.map((part) => (part.type === 'text' ? part.text : '[image]')).join(' '))}`
    case 'tool':
      return `Tool ${message.toolName} returned${message.isError === true ? ' an error' : ''}: ${clip(message.content)}`
    case 'assistant': {
      if (typeof message.content === 'string') return `Assistant: ${clip(message.content)}`
      const lines: string[] = []
      for (const part of message.content) {
        if (part.type === 'text' && part.text !== '') lines.push(`Assistant: ${clip(part.text)}`)
        if (part.type === 'tool-call')
          lines.push(`Assistant called tool ${part.name} with ${clip(part.arguments)}`)
      }
      return lines.join('\n')
    }
    default:
      message satisfies never
      return ''
  }
}

/**
 * The old messages as plain text for a summary model (which needs no tool definitions to read
 * them), after the previous summary when there is one. Keeps the newest `maxChars` characters.
 */
export function transcript(
  messages: readonly Message[],
  previousSummary: string | undefined,
  maxChars: number,
): string {
  const body = messages
    .map(line)
    .filter((text) => text !== '')
    .join('\n\n')
  const clipped = body.length > maxChars ? `[...]\n${body.slice(body.length - maxChars)}` : body
  if (previousSummary === undefined) return `Summarise this conversation:\n\n${clipped}`
  return `Here is the summary of the conversation so far:\n\n${previousSummary}\n\nExtend it with what happened next:\n\n${clipped}`
}
