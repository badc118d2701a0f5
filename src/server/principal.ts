import { createHash, timingSafeEqual } from 'node:crypto'
import { ConfigError } from '../errors/errors.js'
import {
  API_KEY_SCOPES,
  type ApiKeyScope,
  type ApiKeyStore,
  checkOwner,
  checkScopes,
  DEFAULT_OWNER,
  parseApiKey,
} from './api-key-store.js'
import { HttpError } from './http-error.js'

/** Who a request acts for: the key's id (for limits and logs), its owner and scopes. */
export interface Principal {
  /** The stored key's id, `config:<n>` for a key from the `apiKeys` option, `local` without auth. */
  keyId: string
  owner: string
  scopes: readonly ApiKeyScope[]
}

/** A key accepted besides the stored ones: a plain string (default owner, every scope) or an object. */
export type ConfiguredApiKey = string | { key: string; owner?: string; scopes?: readonly ApiKeyScope[] }

/** Whether a principal may do what `needed` allows: admin implies every scope, run implies read. */
export function hasScope(principal: Principal, needed: ApiKeyScope): boolean {
  if (principal.scopes.includes('admin')) return true
  if (needed === 'read') return principal.scopes.includes('read') || principal.scopes.includes('run')
  return principal.scopes.includes(needed)
}

/** Throws 403 unless the principal has the scope. */
export function requireScope(principal: Principal, needed: ApiKeyScope): void {
  if (!hasScope(principal, needed)) {
    throw new HttpError({
      type: 'forbidden',
      message: `This API key (${principal.keyId}) lacks the "${needed}" scope; its scopes are ${principal.scopes.join(', ')}. Use a key created with --scopes ${needed}.`,
    })
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest()

/** Resolves bearer tokens to principals: configured keys first, then the key store. */
export function createAuthenticator(options: {
  configured: readonly ConfiguredApiKey[]
  store: ApiKeyStore
}): (token: string) => Promise<Principal | null> {
  const configured = options.configured.map((entry, index) => {
    const field = `createServer: apiKeys[${index}]`
    const value = typeof entry === 'string' ? { key: entry } : entry
    if (typeof value?.key !== 'string' || value.key.length < 16) {
      throw new ConfigError({
        message: `${field} must be a key of at least 16 characters, or { key, owner?, scopes? }; short keys are guessable.`,
      })
    }
    return {
      digest: digest(value.key),
      principal: {
        keyId: `config:${index}`,
        owner: checkOwner(value.owner ?? DEFAULT_OWNER, `${field}.owner`),
        scopes: checkScopes(value.scopes ?? [...API_KEY_SCOPES], `${field}.scopes`),
      } satisfies Principal,
    }
  })
  return async (token) => {
    const presented = digest(token)
    let match: Principal | null = null
    // Compare with every configured key, in constant time each: no early exit to time.
    for (const entry of configured) if (timingSafeEqual(entry.digest, presented)) match = entry.principal
    if (match !== null) return match
    if (parseApiKey(token) === null) return null
    const info = await options.store.verify(token)
    return info === null ? null : { keyId: info.keyId, owner: info.owner, scopes: info.scopes }
  }
}
