import { AgentLoopError, type AgentLoopErrorOptions } from '../errors/errors.js'

/**
 * An MCP server could not be used: it could not be started or reached, the handshake failed, or
 * the connection dropped and could not be made again. `server` names it.
 */
export class McpConnectionError extends AgentLoopError {
  /** The name given to `connectMcpServer`. */
  readonly server: string
  constructor(options: AgentLoopErrorOptions & { server: string }) {
    super(options)
    this.server = options.server
  }
}
