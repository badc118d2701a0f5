/**
 * Structured JSON logs (pino): one line per request with its request id, method, path, status,
 * duration and key id; secrets redacted by path wherever they appear.
 *
 * @module
 */
import type { MiddlewareHandler } from 'hono'
import { type DestinationStream, type Logger, pino } from 'pino'
import type { ServerEnv } from './server-env.js'

/** Fields censored in every log line, at any depth pino's redaction reaches. */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'apiKey',
  'key',
  'secret',
  'password',
  'token',
  'context',
  '*.authorization',
  '*.apiKey',
  '*.key',
  '*.secret',
  '*.password',
  '*.token',
  '*.context',
  '*.headers.authorization',
]

/** Options of the server's logger. */
export interface LogOptions {
  /** pino level (default `info`; `silent` logs nothing). */
  level?: string
  /** Where lines go (default stdout). Tests pass a stream to read them. */
  destination?: DestinationStream
}

/** A pino logger with the server's redaction, or the one given. */
export function createServerLogger(options: LogOptions | Logger = {}): Logger {
  if (typeof (options as Logger).child === 'function') return options as Logger
  const { level = 'info', destination } = options as LogOptions
  const settings = {
    level,
    base: { service: 'agentloop' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  }
  return destination === undefined ? pino(settings) : pino(settings, destination)
}

/** Gives each request a child logger carrying its id, and logs the answer. */
export function requestLog(logger: Logger): MiddlewareHandler<ServerEnv> {
  return async (context, next) => {
    const started = performance.now()
    // A child logger costs a redaction pass over its bindings: none when nothing is logged.
    const requestLogger = logger.isLevelEnabled('fatal')
      ? logger.child({ requestId: context.get('requestId') })
      : logger
    context.set('logger', requestLogger)
    await next()
    const principal = context.get('principal')
    const status = context.res.status
    const line = {
      method: context.req.method,
      path: context.req.path,
      status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      ...(principal === undefined ? {} : { keyId: principal.keyId, owner: principal.owner }),
    }
    if (status >= 500) requestLogger.error(line, 'request failed')
    else if (context.req.path.startsWith('/health')) requestLogger.debug(line, 'request')
    else requestLogger.info(line, 'request')
  }
}
