import { ConfigError } from '../errors/errors.js'
import {
  type DataSource,
  type DataSourceContent,
  type FetchContentOptions,
  parseSourceAddress,
  requireSourceType,
} from './data-source.js'

/** Data sources by type; fetches any `type:id` address through the source of its type. */
export interface DataSourceRegistry {
  /** Adds a source type; a `ConfigError` when the type is taken. */
  register(source: DataSource): void
  get(type: string): DataSource | undefined
  /** The registered types. */
  types(): string[]
  unregister(type: string): boolean
  /** Fetches `type:id` from the source of that type (a `ConfigError` for an unknown type or invalid address). */
  fetchContent(source: string, options?: FetchContentOptions): Promise<DataSourceContent>
  /** Whether the address has a registered type and that source accepts it. */
  validateSource(source: string): Promise<boolean>
}

/**
 * Creates a registry of data sources.
 *
 * @example
 * const sources = createDataSourceRegistry([fileDataSource({ root: './docs' }), webDataSource()])
 * const page = await sources.fetchContent('web:https://example.com/faq')
 */
export function createDataSourceRegistry(sources: readonly DataSource[] = []): DataSourceRegistry {
  const byType = new Map<string, DataSource>()
  const register = (source: DataSource) => {
    const type = requireSourceType(source?.type, 'DataSourceRegistry.register: type')
    if (typeof source.fetchContent !== 'function' || typeof source.validateSource !== 'function') {
      throw new ConfigError({
        message: `DataSourceRegistry.register: source "${type}" must have fetchContent(source) and validateSource(source).`,
      })
    }
    if (byType.has(type)) {
      throw new ConfigError({
        message: `DataSourceRegistry.register: a source of type "${type}" is already registered; unregister("${type}") first.`,
      })
    }
    byType.set(type, source)
  }
  for (const source of sources) register(source)

  const sourceOf = (address: string) => {
    const { type } = parseSourceAddress(address)
    const source = byType.get(type)
    if (source === undefined) {
      throw new ConfigError({
        message: `No data source of type "${type}" for ${JSON.stringify(address)}. Registered types: ${[...byType.keys()].join(', ') || 'none'}.`,
      })
    }
    return source
  }

  return {
    register,
    get: (type) => byType.get(type),
    types: () => [...byType.keys()],
    unregister: (type) => byType.delete(type),
    async fetchContent(address, options) {
      const source = sourceOf(address)
      if (!(await source.validateSource(address))) {
        throw new ConfigError({
          message: `Source ${JSON.stringify(address)} is not a valid "${source.type}" address.`,
        })
      }
      return source.fetchContent(address, options)
    },
    async validateSource(address) {
      try {
        return await sourceOf(address).validateSource(address)
      } catch {
        return false
      }
    },
  }
}
