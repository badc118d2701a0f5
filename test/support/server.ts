import { Writable } from 'node:stream'
import { createMemoryStorage, Runtime } from 'agentloop'
import {
  type AgentLoopServer,
  createServer,
  type ListeningServer,
  type ServerOptions,
} from 'agentloop/server'
import { afterEach } from 'vitest'

/** A full-access key given to test servers through `apiKeys`. */
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef'

/** A response whose JSON body tests read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON bodies field by field
export type ApiResponse = Omit<Response, 'json'> & { json(): Promise<any> }

/** Log lines a test server wrote, parsed. */
export type LogLines = Record<string, unknown>[]

/** A server listening on an ephemeral port, closed after the test. */
export interface TestServer {
  server: AgentLoopServer
  listening: ListeningServer
  url: string
  logs: LogLines
  /** fetch relative to the server, with the admin key unless `authorization` is given (null: none). */
  request(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<ApiResponse>
}

const open: TestServer[] = []
afterEach(async () => {
  for (const entry of open.splice(0)) await entry.listening.close()
})

/** Starts a server over a runtime (default: memory storage and the given agents). */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const logs: LogLines = []
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line))
      callback()
    },
  })
  const runtime =
    options.runtime ?? new Runtime({ storage: createMemoryStorage(), agents: options.agents ?? [] })
  const server = createServer({
    apiKeys: [ADMIN_KEY],
    logger: { level: 'debug', destination },
    ...options,
    runtime,
  })
  const listening = await server.listen(0)
  const entry: TestServer = {
    server,
    listening,
    url: listening.url,
    logs,
    request(path, init = {}) {
      const { key = ADMIN_KEY, json, ...rest } = init
      const headers = new Headers(rest.headers)
      if (key !== null) headers.set('Authorization', `Bearer ${key}`)
      if (json !== undefined) headers.set('Content-Type', 'application/json')
      return fetch(`${listening.url}${path}`, {
        ...rest,
        headers,
        ...(json === undefined ? {} : { body: JSON.stringify(json), method: rest.method ?? 'POST' }),
      })
    },
  }
  open.push(entry)
  return entry
}
