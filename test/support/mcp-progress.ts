/**
 * The messages of the progress notifications a client's transport received, in wire order.
 *
 * The official client (2.4) hands a notification to its handler a microtask later but drops the
 * request's progress handler as soon as the response arrives, so notifications read in the same
 * chunk as the result may never reach `onprogress` (docs/mcp.md). What the server sent is checked
 * on the transport instead; `onprogress` saw a prefix of it.
 */
import type { Transport } from '@modelcontextprotocol/client'

export function recordWireProgress(transport: Transport): string[] {
  const seen: string[] = []
  const deliver = transport.onmessage
  transport.onmessage = (message, ...rest) => {
    if ('method' in message && message.method === 'notifications/progress') {
      seen.push(String((message.params as { message?: unknown }).message))
    }
    deliver?.(message, ...rest)
  }
  return seen
}
