import type { MiddlewareHandler } from 'hono'
import { HttpError } from './http-error.js'
import type { Principal } from './principal.js'
import type { Limits } from './rate-limits.js'
import type { ServerEnv } from './server-env.js'

/** How requests are authenticated. */
export type AuthMode =
  | { mode: 'keys'; authenticate: (token: string) => Promise<Principal | null> }
  /** No authentication (local use only: the server then listens on 127.0.0.1). */
  | { mode: 'none'; principal: Principal }

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/

/**
 * Resolves `Authorization: Bearer <key>` to a principal (401 otherwise), then counts the request
 * against the key's per-minute limit (429 with `Retry-After` when over) and sets the limit headers.
 */
export function authenticate(auth: AuthMode, limits: Limits): MiddlewareHandler<ServerEnv> {
  return async (context, next) => {
    let principal: Principal
    if (auth.mode === 'none') {
      principal = auth.principal
    } else {
      const header = context.req.header('Authorization')
      const match = header === undefined ? null : BEARER.exec(header)
      if (match === null) {
        throw new HttpError({
          type: 'unauthorized',
          message:
            header === undefined
              ? 'This route needs an API key: send "Authorization: Bearer <key>" (create one with `agentloop keys create`).'
              : 'The Authorization header must be "Bearer <key>".',
          headers: { 'WWW-Authenticate': 'Bearer' },
        })
      }
      const found = await auth.authenticate(match[1] as string)
      if (found === null) {
        throw new HttpError({
          type: 'unauthorized',
          message: 'The API key is unknown, revoked or expired.',
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        })
      }
      principal = found
    }
    context.set('principal', principal)
    const headers = await limits.consume(principal.keyId)
    await next()
    for (const [name, value] of Object.entries(headers)) context.res.headers.set(name, value)
  }
}
