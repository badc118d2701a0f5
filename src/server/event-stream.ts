/**
 * Server-sent events for every streaming route: keep-alive comments so proxies keep the socket
 * open, a final comment when the server shuts down, and a flag for a client that went away.
 *
 * @module
 */
import type { Context } from 'hono'
import { type SSEStreamingApi, streamSSE } from 'hono/streaming'
import type { Shutdown } from './shutdown.js'

/** What a streaming route writes with. */
export interface EventWriter {
  /** One event; `id` becomes `id:` (resume point), `event` the `event:` line. Resolves false once the client is gone. */
  send(message: { data: string; id?: string; event?: string }): Promise<boolean>
  /**
   * Bytes already in SSE form (`id: ...\nevent: ...\ndata: ...\n\n`): for one event sent to many
   * clients, formatted and encoded once. Resolves false once the client is gone.
   */
  frame(bytes: Uint8Array): Promise<boolean>
  /** A comment line (`: text`). */
  comment(text: string): Promise<void>
  /** True once the client disconnected. */
  readonly closed: boolean
  /** Aborted when the client disconnects or the server shuts down. */
  readonly signal: AbortSignal
}

/**
 * Answers with `text/event-stream` and runs `body` with a writer. Keep-alive comments are written
 * every `keepAliveMs`; at shutdown the stream gets `: server shutting down` and ends.
 */
export function eventStream(
  context: Context,
  options: { keepAliveMs: number; shutdown: Shutdown; onDisconnect?: () => void },
  body: (writer: EventWriter) => Promise<void>,
): Response {
  context.header('Cache-Control', 'no-cache, no-transform')
  context.header('X-Accel-Buffering', 'no')
  return streamSSE(context, async (stream: SSEStreamingApi) => {
    const controller = new AbortController()
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      controller.abort()
    }
    stream.onAbort(() => {
      close()
      options.onDisconnect?.()
    })
    const untrack = options.shutdown.trackStream(() => {
      void stream
        .write(': server shutting down\n\n')
        .catch(() => {})
        .finally(() => {
          close()
          void stream.close()
        })
    })
    const keepAlive = setInterval(() => {
      if (!closed) void stream.write(': keep-alive\n\n').catch(close)
    }, options.keepAliveMs)
    keepAlive.unref()
    const writer: EventWriter = {
      async send(message) {
        if (closed) return false
        try {
          await stream.writeSSE(message)
          return !closed
        } catch {
          close()
          return false
        }
      },
      async frame(bytes) {
        if (closed) return false
        try {
          await stream.write(bytes)
          return !closed
        } catch {
          close()
          return false
        }
      },
      async comment(text) {
        if (!closed) await stream.write(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`).catch(close)
      },
      get closed() {
        return closed
      },
      signal: controller.signal,
    }
    try {
      await body(writer)
    } finally {
      clearInterval(keepAlive)
      untrack()
    }
  })
}
