import { ConfigError } from '../errors/errors.js'
import type { DataSource, FetchContentOptions } from './data-source.js'
import { parseSourceAddress } from './data-source.js'
import { DataSourceError } from './data-source-error.js'
import { htmlToText } from './html-to-text.js'

/** Options of {@link webDataSource}. */
export interface WebDataSourceOptions {
  /** Largest response body read, in bytes (default 5 MB); a larger one fails without being read. */
  maxBytes?: number
  /** Time allowed for the whole request, body included, in ms (default 15 000). */
  timeoutMs?: number
  /**
   * Which hosts may be fetched (default: all). The addresses often come from users: limit this on
   * a server that can reach internal services.
   */
  allowHost?: (hostname: string) => boolean
  /** Headers sent with every request (a user agent, an authorization for an intranet). */
  headers?: Record<string, string>
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch
}

/**
 * Web pages over HTTP(S), addressed `web:<url>` (`web:https://example.com/faq`). HTML becomes
 * plain text (scripts, styles and tags dropped); other text types are kept as they are. The body
 * is read as a stream and abandoned once it passes `maxBytes`; the request is aborted after
 * `timeoutMs`. Redirects are followed (by fetch).
 */
export function webDataSource(options: WebDataSourceOptions = {}): DataSource {
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024
  const timeoutMs = options.timeoutMs ?? 15_000
  for (const [field, value] of [
    ['maxBytes', maxBytes],
    ['timeoutMs', timeoutMs],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new ConfigError({ message: `webDataSource: ${field} must be a positive integer; got ${value}.` })
    }
  }
  const fetchImpl = options.fetch ?? globalThis.fetch

  const urlOf = (source: string): URL | string => {
    const { type, id } = parseSourceAddress(source)
    if (type !== 'web') return `it is a "${type}" address, not "web"`
    let url: URL
    try {
      url = new URL(id)
    } catch {
      return `${JSON.stringify(id)} is not a URL`
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs are fetched`
    if (options.allowHost !== undefined && !options.allowHost(url.hostname)) {
      return `host ${url.hostname} is not allowed by allowHost`
    }
    return url
  }

  return {
    type: 'web',

    validateSource(source) {
      try {
        return typeof urlOf(source) !== 'string'
      } catch {
        return false
      }
    },

    async fetchContent(source, fetchOptions: FetchContentOptions = {}) {
      const url = urlOf(source)
      if (typeof url === 'string') {
        throw new ConfigError({ message: `webDataSource: refused ${JSON.stringify(source)}: ${url}.` })
      }
      const timeout = AbortSignal.timeout(timeoutMs)
      const signal =
        fetchOptions.signal === undefined ? timeout : AbortSignal.any([timeout, fetchOptions.signal])
      const fail = (problem: string, cause?: unknown) =>
        new DataSourceError({ source, message: `webDataSource: ${url.href} ${problem}`, cause })
      try {
        const response = await fetchImpl(url, {
          signal,
          redirect: 'follow',
          ...(options.headers === undefined ? {} : { headers: options.headers }),
        })
        if (!response.ok) {
          await response.body?.cancel()
          throw fail(`answered HTTP ${response.status} ${response.statusText}.`)
        }
        const declared = Number(response.headers.get('content-length') ?? Number.NaN)
        if (declared > maxBytes) {
          await response.body?.cancel()
          throw fail(`is ${declared} bytes, over maxBytes (${maxBytes}). Raise maxBytes to fetch it.`)
        }
        const bytes = await readLimited(response, maxBytes, () =>
          fail(`sent more than maxBytes (${maxBytes}) bytes. Raise maxBytes to fetch it.`),
        )
        const contentType = response.headers.get('content-type') ?? ''
        const text = new TextDecoder().decode(bytes)
        const isHtml = /html/i.test(contentType) || (contentType === '' && /^\s*<(!doctype|html)/i.test(text))
        const page = isHtml ? htmlToText(text) : { text, title: undefined }
        return {
          content: page.text,
          source,
          metadata: {
            type: 'web',
            url: response.url || url.href,
            status: response.status,
            contentType,
            bytes: bytes.byteLength,
            ...(page.title === undefined ? {} : { title: page.title }),
          },
        }
      } catch (error) {
        if (error instanceof DataSourceError) throw error
        if (fetchOptions.signal?.aborted) throw fetchOptions.signal.reason
        if (timeout.aborted) throw fail(`did not answer within timeoutMs (${timeoutMs} ms).`, error)
        throw fail(`could not be fetched: ${(error as Error).message}.`, error)
      }
    },
  }
}

/** Reads a response body, giving up (and cancelling it) as soon as it passes `maxBytes`. */
async function readLimited(response: Response, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array()
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel()
      throw tooLarge()
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}
