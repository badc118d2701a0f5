import type { Logger } from 'pino'
import type { Principal } from './principal.js'

/** What middleware puts on a request's context for the routes. */
export interface ServerEnv {
  Variables: {
    requestId: string
    logger: Logger
    principal: Principal
  }
}
