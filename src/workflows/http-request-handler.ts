import { AgentLoopError, ConfigError } from '../errors/errors.js'
import type { JsonObject, JsonValue } from '../util/json.js'
import { parseJson } from '../util/json.js'
import type { NodeHandler } from './node-handler.js'

/** An HTTP request of a workflow node failed: no response in time, a network error, or a body too large. Retryable. */
export class HttpRequestError extends AgentLoopError {}

/** Options of {@link httpRequestHandler}. */
export interface HttpRequestHandlerOptions {
  /** The handler's name, as nodes use it. Default `'http_request'`. */
  name?: string
  /** Milliseconds a request may take, response body included. Default 10,000. */
  timeoutMs?: number
  /** The largest response body read, in bytes; a larger one fails the node. Default 1 MiB. */
  maxResponseBytes?: number
  /**
   * Which URLs may be requested. Definitions can come from users: restrict this (the default
   * allows every http and https URL).
   */
  allowUrl?: (url: URL) => boolean
  /** The fetch to use (default: the global one). */
  fetch?: typeof globalThis.fetch
}

/**
 * The HTTP-request node of seed 003 as a handler: `{ type: 'handler', handler: 'http_request',
 * config: { url, method?, headers?, body? } }` (templates rendered, so
 * `url: 'https://api.example.com/users/${userId}'` works). The output is `{ status, headers, body }`,
 * `body` parsed when the response is JSON. Requests are limited in time and response size;
 * GET, HEAD and OPTIONS count as idempotent (they re-run after a crash), other methods do not.
 *
 * @example
 * bindWorkflow(definition, { handlers: [httpRequestHandler({ allowUrl: (url) => url.hostname === 'api.example.com' })] })
 */
export function httpRequestHandler(options: HttpRequestHandlerOptions = {}): NodeHandler {
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxBytes = options.maxResponseBytes ?? 1024 * 1024
  const name = options.name ?? 'http_request'
  if (!(timeoutMs > 0))
    throw new ConfigError({
      message: `httpRequestHandler: timeoutMs must be a positive number; got ${timeoutMs}.`,
    })
  if (!(maxBytes > 0))
    throw new ConfigError({
      message: `httpRequestHandler: maxResponseBytes must be a positive number; got ${maxBytes}.`,
    })
  return {
    name,
    description: 'Makes an HTTP request; the output is { status, headers, body }.',
    idempotent: (node) => {
      const method = String((node.config as { method?: unknown } | undefined)?.method ?? 'GET').toUpperCase()
      return method === 'GET' || method === 'HEAD' || method === 'OPTIONS'
    },
    async execute(node, _state, context) {
      const where = `Node "${node.id}" (${name})`
      const config = node.config as {
        url?: unknown
        method?: unknown
        headers?: unknown
        body?: unknown
      } | null
      if (config === null || typeof config !== 'object' || typeof config.url !== 'string') {
        throw new ConfigError({
          message: `${where}: config.url must be a string (a URL; templates such as \${userId} are filled in).`,
        })
      }
      let url: URL
      try {
        url = new URL(config.url)
      } catch {
        throw new ConfigError({
          message: `${where}: config.url ${JSON.stringify(config.url)} is not an absolute URL.`,
        })
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new ConfigError({
          message: `${where}: only http and https URLs can be requested; got ${url.protocol}.`,
        })
      }
      if (options.allowUrl !== undefined && !options.allowUrl(url)) {
        throw new ConfigError({
          message: `${where}: the URL ${url.origin}${url.pathname} is not allowed by this handler's allowUrl.`,
        })
      }
      const method = typeof config.method === 'string' ? config.method.toUpperCase() : 'GET'
      const headers = new Headers()
      if (config.headers !== undefined) {
        if (config.headers === null || typeof config.headers !== 'object' || Array.isArray(config.headers)) {
          throw new ConfigError({ message: `${where}: config.headers must be an object of strings.` })
        }
        for (const [key, value] of Object.entries(config.headers)) headers.set(key, String(value))
      }
      let body: string | undefined
      if (config.body !== undefined && config.body !== null) {
        body = typeof config.body === 'string' ? config.body : JSON.stringify(config.body)
        if (typeof config.body !== 'string' && !headers.has('content-type'))
          headers.set('content-type', 'application/json')
      }
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)])
      let response: Response
      try {
        response = await (options.fetch ?? fetch)(url, { method, headers, body, signal, redirect: 'follow' })
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason
        throw new HttpRequestError({
          message: `${where}: the request to ${url.origin} failed: ${timedOut(error, timeoutMs)}`,
          cause: error,
        })
      }
      const text = await readLimited(response, maxBytes, where, signal, timeoutMs)
      const responseHeaders: JsonObject = {}
      response.headers.forEach((value, key) => {
        responseHeaders[key] = value
      })
      const type = response.headers.get('content-type') ?? ''
      let parsedBody: JsonValue = text
      if (/\bjson\b/i.test(type)) {
        const parsed = parseJson(text)
        if (parsed.ok) parsedBody = parsed.value as JsonValue
      }
      return { status: response.status, headers: responseHeaders, body: parsedBody }
    },
  }
}

function timedOut(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no response within ${timeoutMs} ms (raise timeoutMs)`
  }
  return error instanceof Error ? error.message : String(error)
}

/** Reads the body as text, failing once it passes `maxBytes` (without reading the rest). */
async function readLimited(
  response: Response,
  maxBytes: number,
  where: string,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  const tooLarge = () =>
    new HttpRequestError({
      message: `${where}: the response body is larger than maxResponseBytes (${maxBytes} bytes). Raise maxResponseBytes or request less.`,
    })
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel()
    throw tooLarge()
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel()
        throw tooLarge()
      }
      chunks.push(value)
    }
  } catch (error) {
    if (signal.aborted && !(error instanceof HttpRequestError)) {
      throw new HttpRequestError({
        message: `${where}: the response body did not arrive within ${timeoutMs} ms (raise timeoutMs).`,
        cause: error,
      })
    }
    throw error
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}
