/**
 * `@opentelemetry/api`, loaded once when `agentloop/otel` is imported, or `undefined` when it is
 * not installed: a `TraceSink` of your own needs no OpenTelemetry, so its absence is only an
 * error when OpenTelemetry output is asked for.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import { isMissingPackage } from '../errors/optional-peer.js'

export type OtelApi = typeof import('@opentelemetry/api')

const loaded: OtelApi | undefined = await import('@opentelemetry/api').then(
  (module) => module,
  (error: unknown) => {
    if (isMissingPackage(error, '@opentelemetry/api')) return undefined
    throw error
  },
)

/** The API, or a `ConfigError` naming the package to install. */
export function requireOtelApi(where: string): OtelApi {
  if (loaded === undefined) {
    throw new ConfigError({
      message: `${where} needs the optional package "@opentelemetry/api" (1.9.x, the line OpenTelemetry SDK 2 works with), which is not installed: npm install @opentelemetry/api@~1.9.0. To trace without OpenTelemetry, pass { openTelemetry: false, sinks: [yourSink] }.`,
    })
  }
  return loaded
}
