/** One server-sent event, or a comment line. */
export interface SseMessage {
  id?: string
  event?: string
  data?: string
  comment?: string
}

/**
 * Reads server-sent events from a response until the stream ends, or until `until` returns true
 * for a message (then the connection is dropped: `abort` must be the request's controller).
 */
export async function readSse(
  response: Response,
  options: { until?: (message: SseMessage, all: SseMessage[]) => boolean; abort?: AbortController } = {},
): Promise<SseMessage[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  const messages: SseMessage[] = []
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return messages
      buffer += decoder.decode(value, { stream: true })
      let end = buffer.indexOf('\n\n')
      while (end !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        end = buffer.indexOf('\n\n')
        const message: SseMessage = {}
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) message.comment = line.slice(1).trim()
          else if (line.startsWith('id:')) message.id = line.slice(3).trim()
          else if (line.startsWith('event:')) message.event = line.slice(6).trim()
          else if (line.startsWith('data:'))
            message.data = (message.data === undefined ? '' : `${message.data}\n`) + line.slice(5).trimStart()
        }
        messages.push(message)
        if (options.until?.(message, messages)) {
          options.abort?.abort()
          await reader.cancel().catch(() => {})
          return messages
        }
      }
    }
  } catch (error) {
    if (options.abort?.signal.aborted) return messages
    throw error
  }
}

/** The events (not comments) of a list, parsed. */
export function eventsOf(
  messages: SseMessage[],
): { id: string; type: string; seq: number; [key: string]: unknown }[] {
  return messages
    .filter((message) => message.data !== undefined)
    .map((message) => ({ ...JSON.parse(message.data as string), id: message.id as string }))
}
