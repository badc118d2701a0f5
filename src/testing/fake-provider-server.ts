/**
 * A fake provider HTTP server for adapter tests: it listens on 127.0.0.1 (a random port), records
 * every request, and answers each one with the next queued response: a recorded JSON body, a
 * recorded SSE stream replayed event by event, or a fault (a status with headers, latency, a
 * connection cut after N events, an error event injected into the stream, a stream that stalls).
 * Point the real SDK at `server.url` (its `baseURL`) and the adapter runs over real HTTP.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** One scripted answer of the fake server. */
export interface FakeResponse {
  /** HTTP status (default 200). */
  status?: number
  headers?: Record<string, string>
  /** A JSON body: an object is serialised, a string is sent verbatim as `application/json`. */
  json?: unknown
  /** A raw SSE body, replayed event by event (events are separated by a blank line). */
  sse?: string
  /** Ms to wait before sending the status line (request latency). */
  latencyMs?: number
  /** Ms to wait between SSE events. */
  chunkDelayMs?: number
  /** Destroys the connection after this many SSE events (a stream cut mid-response). */
  cutAfterEvents?: number
  /** Stops sending (without closing) after this many SSE events: a stalled stream. */
  stallAfterEvents?: number
  /** Sends this raw SSE event text after `afterEvents` events (default: after all), then ends. */
  errorEvent?: { afterEvents?: number; event: string }
}

/** A request the fake server received. */
export interface RecordedRequest {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown
  rawBody: string
}

/** Chooses the answer of one request; return undefined to use the queue. */
export type FakeHandler = (request: RecordedRequest) => FakeResponse | undefined

/** A running fake provider server. */
export interface FakeProviderServer {
  /** `http://127.0.0.1:<port>`: use it (plus the provider's path prefix, such as `/v1`) as baseURL. */
  readonly url: string
  /** Every request received, in order. */
  readonly requests: RecordedRequest[]
  /** Queues answers, used in order by the next requests. */
  enqueue(...responses: FakeResponse[]): void
  /** The answer for requests when the queue is empty (default: a 500 saying nothing was queued). */
  setFallback(response: FakeResponse | FakeHandler | undefined): void
  /** Forgets queued answers, the fallback and recorded requests. */
  reset(): void
  /** Stops the server and closes open connections. */
  close(): Promise<void>
}

/** Starts a fake provider server on 127.0.0.1 with a random free port. */
export async function createFakeProviderServer(): Promise<FakeProviderServer> {
  const queue: FakeResponse[] = []
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()
  let fallback: FakeResponse | FakeHandler | undefined

  const server = createServer((incoming, outgoing) => {
    readBody(incoming).then(
      (rawBody) => {
        const recorded: RecordedRequest = {
          method: incoming.method ?? 'GET',
          path: incoming.url ?? '/',
          headers: { ...incoming.headers },
          body: parseBody(rawBody),
          rawBody,
        }
        requests.push(recorded)
        const response =
          queue.shift() ??
          (typeof fallback === 'function' ? fallback(recorded) : fallback) ??
          notQueued(recorded)
        void respond(response, outgoing, incoming.socket)
      },
      () => outgoing.destroy(),
    )
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...responses) => {
      queue.push(...responses)
    },
    setFallback: (response) => {
      fallback = response
    },
    reset: () => {
      queue.length = 0
      requests.length = 0
      fallback = undefined
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

function notQueued(request: RecordedRequest): FakeResponse {
  return {
    status: 500,
    json: {
      error: { message: `fake provider server: no response queued for ${request.method} ${request.path}` },
    },
  }
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    incoming.on('error', reject)
  })
}

function parseBody(rawBody: string): unknown {
  if (rawBody === '') return undefined
  try {
    return JSON.parse(rawBody)
  } catch {
    return undefined
  }
}

/** Splits a raw SSE body into its events, each kept with its trailing blank line. */
export function splitSseEvents(sse: string): string[] {
  return sse
    .replace(/\r\n/g, '\n')
    .split(/\n\n+/)
    .filter((event) => event.trim() !== '')
    .map((event) => `${event}\n\n`)
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function respond(response: FakeResponse, outgoing: ServerResponse, socket: Socket): Promise<void> {
  if (response.latencyMs) await delay(response.latencyMs)
  if (outgoing.destroyed || socket.destroyed) return
  const status = response.status ?? 200
  if (response.sse === undefined) {
    const body =
      response.json === undefined
        ? ''
        : typeof response.json === 'string'
          ? response.json
          : JSON.stringify(response.json)
    outgoing.writeHead(status, { 'content-type': 'application/json', ...response.headers })
    outgoing.end(body)
    return
  }
  outgoing.writeHead(status, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...response.headers,
  })
  outgoing.flushHeaders()
  const events = splitSseEvents(response.sse)
  const errorAt = response.errorEvent === undefined ? -1 : (response.errorEvent.afterEvents ?? events.length)
  for (let index = 0; index <= events.length; index++) {
    if (index === errorAt && response.errorEvent !== undefined) {
      outgoing.end(
        response.errorEvent.event.endsWith('\n\n')
          ? response.errorEvent.event
          : `${response.errorEvent.event}\n\n`,
      )
      return
    }
    if (index === response.cutAfterEvents) {
      // Let the written events reach the client before the connection dies mid-response.
      await delay(20)
      socket.destroy()
      return
    }
    if (index === response.stallAfterEvents) return
    if (index === events.length) break
    if (response.chunkDelayMs && index > 0) await delay(response.chunkDelayMs)
    if (outgoing.destroyed) return
    outgoing.write(events[index])
  }
  outgoing.end()
}
