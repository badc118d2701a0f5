/**
 * Data sources (seed 003): where knowledge comes from. A source is addressed as `type:id`
 * (`file:guides/setup.md`, `web:https://example.com/faq`); a `DataSource` serves one type.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { JsonObject } from '../util/json.js'

/** What a data source returns for one source. */
export interface DataSourceContent {
  /** The text. */
  content: string
  /** The address it came from, `type:id`. */
  source: string
  /** What the source knows about it (path, URL, size, title...): kept with the stored knowledge. */
  metadata: JsonObject
}

/** Options of `fetchContent`. */
export interface FetchContentOptions {
  signal?: AbortSignal
}

/** Serves the sources of one type. */
export interface DataSource {
  /** The address prefix it serves: `file`, `web`, `notion`... */
  readonly type: string
  /** The content of a source (`type:id`); throws a clear error when it cannot be read. */
  fetchContent(source: string, options?: FetchContentOptions): Promise<DataSourceContent>
  /** Whether the address is one this source could serve (checks the form, fetches nothing). */
  validateSource(source: string): boolean | Promise<boolean>
}

const SOURCE_TYPE = /^[a-z][a-z0-9+.-]*$/

/** Splits `type:id` at the first colon; a `ConfigError` when there is no type or no id. */
export function parseSourceAddress(source: string): { type: string; id: string } {
  const separator = typeof source === 'string' ? source.indexOf(':') : -1
  const type = separator > 0 ? source.slice(0, separator) : ''
  if (!SOURCE_TYPE.test(type) || separator === source.length - 1) {
    throw new ConfigError({
      message: `Source address ${JSON.stringify(source)} must look like "type:id", such as "file:docs/setup.md" or "web:https://example.com/faq".`,
    })
  }
  return { type, id: source.slice(separator + 1) }
}

/** Checks a data source's type name (lowercase letters, digits, `+ . -`, starting with a letter). */
export function requireSourceType(type: unknown, field: string): string {
  if (typeof type !== 'string' || !SOURCE_TYPE.test(type)) {
    throw new ConfigError({
      message: `${field} must be a lowercase name such as "file" or "web"; got ${JSON.stringify(type)}.`,
    })
  }
  return type
}
