import { ConfigError } from '../errors/errors.js'

/** Options of {@link langfuseExporterOptions}. */
export interface LangfuseOptions {
  /** The project's public key (`pk-lf-...`). */
  publicKey: string
  /** The project's secret key (`sk-lf-...`). */
  secretKey: string
  /**
   * Your Langfuse host (default `https://cloud.langfuse.com`; `https://us.cloud.langfuse.com`,
   * `https://jp.cloud.langfuse.com`, or a self-hosted Langfuse 3.22 or later).
   */
  baseUrl?: string
}

/**
 * What an OTLP/HTTP trace exporter needs to send spans to Langfuse: its OTLP endpoint
 * (`{baseUrl}/api/public/otel/v1/traces`), Basic authentication with the project's keys, and
 * `x-langfuse-ingestion-version: 4` (Langfuse's real-time ingestion path for direct exporters).
 * No Langfuse package is needed.
 *
 * @example
 * import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
 * const exporter = new OTLPTraceExporter(langfuseExporterOptions({ publicKey, secretKey }))
 */
export function langfuseExporterOptions(options: LangfuseOptions): {
  url: string
  headers: Record<string, string>
} {
  const { publicKey, secretKey, baseUrl = 'https://cloud.langfuse.com' } = options ?? ({} as LangfuseOptions)
  for (const [field, value] of [
    ['publicKey', publicKey],
    ['secretKey', secretKey],
  ] as const) {
    if (typeof value !== 'string' || value === '') {
      throw new ConfigError({
        message: `langfuseExporterOptions: ${field} must be your Langfuse project's ${field === 'publicKey' ? 'public key (pk-lf-...)' : 'secret key (sk-lf-...)'}; got ${value === '' ? 'an empty string' : typeof value}. Find it in the project's settings.`,
      })
    }
  }
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new ConfigError({
      message: `langfuseExporterOptions: baseUrl must be an http(s) URL such as https://cloud.langfuse.com; got ${JSON.stringify(baseUrl)}.`,
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError({
      message: `langfuseExporterOptions: baseUrl must use http or https (Langfuse receives OTLP over HTTP only); got ${url.protocol}.`,
    })
  }
  const base = url.href.replace(/\/+$/, '')
  return {
    url: `${base}/api/public/otel/v1/traces`,
    headers: {
      Authorization: `Basic ${Buffer.from(`${publicKey}:${secretKey}`).toString('base64')}`,
      'x-langfuse-ingestion-version': '4',
    },
  }
}
