import { AgentLoopError, type AgentLoopErrorOptions } from '../errors/errors.js'

/**
 * A source could not be read: missing file, HTTP error, over the size or time limit. `source` is
 * the `type:id` address. (A malformed address or a path outside the root is a `ConfigError`.)
 */
export class DataSourceError extends AgentLoopError {
  readonly source: string
  constructor(options: AgentLoopErrorOptions & { source: string }) {
    super(options)
    this.source = options.source
  }
}
