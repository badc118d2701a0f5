/**
 * The request body size limit: 413 over `bodyLimitBytes`. A body with a `Content-Length` is
 * judged by its header alone (Node's HTTP parser holds the body to that length), and a GET or
 * HEAD has none: neither touches `request.body`, which on Node would build a full web `Request`
 * (headers, abort signal, a web stream over the socket) that the routes never need, since
 * `@hono/node-server` reads JSON bodies straight from the socket. Only a chunked body is counted
 * as it streams, by hono's `bodyLimit`.
 *
 * @module
 */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HttpError } from './http-error.js'
import type { ServerEnv } from './server-env.js'

/** The middleware for a limit of `maxSize` bytes. */
export function limitBodySize(maxSize: number): MiddlewareHandler<ServerEnv> {
  const tooLarge = (): never => {
    throw new HttpError({
      type: 'payload_too_large',
      message: `The request body is over ${maxSize} bytes (createServer option bodyLimitBytes).`,
    })
  }
  const streamed = bodyLimit({ maxSize, onError: tooLarge })
  return (context, next) => {
    const method = context.req.method
    if (method === 'GET' || method === 'HEAD') return next()
    const length = context.req.header('content-length')
    if (length !== undefined && context.req.header('transfer-encoding') === undefined) {
      if (Number.parseInt(length, 10) > maxSize) tooLarge()
      return next()
    }
    return streamed(context, next)
  }
}
