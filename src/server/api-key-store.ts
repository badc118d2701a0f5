/**
 * API keys: created once (the full key is shown only then), stored as a SHA-256 digest of their
 * secret part, never the key itself. A key is `al_<keyId>_<secret>`: the id finds the record in one
 * read, the secret is compared in constant time. Keys have an owner (the tenant whose objects they
 * reach), scopes (`read`, `run`, `admin`) and an optional expiry. The CLI builds `agentloop keys`
 * on these functions.
 *
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { ConfigError } from '../errors/errors.js'
import type { Storage } from '../storage/storage.js'
import { type Actor, audit, SERVER_AUDIT_EVENTS } from './audit-trail.js'
import { recordCollection, serverDriver } from './record-store.js'

/** What a key may do: `read` (GET), `run` (start runs, chat, sessions), `admin` (keys, providers, agents, any owner). */
export type ApiKeyScope = 'read' | 'run' | 'admin'

/** Every scope, least to most powerful. */
export const API_KEY_SCOPES = ['read', 'run', 'admin'] as const satisfies readonly ApiKeyScope[]

/** The owner of keys given without one (single-user setups). */
export const DEFAULT_OWNER = 'default'

/** A stored key, as listed: never its secret. */
export interface ApiKeyInfo {
  keyId: string
  owner: string
  scopes: ApiKeyScope[]
  name?: string | undefined
  createdAt: number
  /** Milliseconds since the epoch; absent: never expires. */
  expiresAt?: number | undefined
  revokedAt?: number | undefined
}

/** Options of `keys.create`. */
export interface CreateApiKeyInput {
  /** Default `default`. */
  owner?: string
  /** Default `['read', 'run']`. */
  scopes?: readonly ApiKeyScope[]
  /** A label for people (`ci`, `alice's laptop`). */
  name?: string
  /** When the key stops working (ms since the epoch, or a Date). */
  expiresAt?: number | Date
}

/** The API keys kept in a storage. */
export interface ApiKeyStore {
  /** Creates a key; `key` is the only copy of the secret: show it once. */
  create(input?: CreateApiKeyInput, actor?: Actor): Promise<{ key: string; info: ApiKeyInfo }>
  /** Keys, newest first (revoked ones included, marked); only `owner`'s when given. */
  list(options?: { owner?: string }): Promise<ApiKeyInfo[]>
  /** A stored key's record (revoked ones too), or null. */
  get(keyId: string): Promise<ApiKeyInfo | null>
  /** Revokes a key at once; false when there is no such key. */
  revoke(keyId: string, actor?: Actor): Promise<boolean>
  /** The key's record when the key is valid (exists, matches, not revoked, not expired), else null. */
  verify(key: string, now?: number): Promise<ApiKeyInfo | null>
}

const KEY_PATTERN = /^al_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/
const COLLECTION = 'server.api-key'

const StoredApiKey = z.object({
  version: z.literal(1),
  keyId: z.string(),
  owner: z.string(),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  name: z.string().optional(),
  /** Hex SHA-256 of the secret part. */
  digest: z.string().length(64),
  createdAt: z.number(),
  expiresAt: z.number().optional(),
  revokedAt: z.number().optional(),
})
type StoredApiKey = z.infer<typeof StoredApiKey>

/** SHA-256 of a key's secret part: 256 random bits need a fast hash, not a password hash. */
export function digestSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest()
}

/** Splits a presented key into id and secret; null when it is not shaped like one of ours. */
export function parseApiKey(key: string): { keyId: string; secret: string } | null {
  const match = KEY_PATTERN.exec(key)
  return match === null ? null : { keyId: match[1] as string, secret: match[2] as string }
}

/** Checks scopes given by a caller; a ConfigError names the bad one. */
export function checkScopes(scopes: unknown, field: string): ApiKeyScope[] {
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new ConfigError({
      message: `${field} must be a non-empty list of scopes (${API_KEY_SCOPES.join(', ')}).`,
    })
  }
  for (const scope of scopes) {
    if (!(API_KEY_SCOPES as readonly unknown[]).includes(scope)) {
      throw new ConfigError({
        message: `${field} contains ${JSON.stringify(scope)}, which is not a scope; use ${API_KEY_SCOPES.join(', ')}.`,
      })
    }
  }
  return [...new Set(scopes as ApiKeyScope[])]
}

/** Checks an owner id: 1–128 characters of letters, digits, `.`, `_`, `-`, `@`, `:`. */
export function checkOwner(owner: unknown, field: string): string {
  if (typeof owner !== 'string' || !/^[A-Za-z0-9._@:-]{1,128}$/.test(owner)) {
    throw new ConfigError({
      message: `${field} must be 1 to 128 letters, digits or . _ @ : - (a tenant id); got ${JSON.stringify(owner)}.`,
    })
  }
  return owner
}

function infoOf(stored: StoredApiKey): ApiKeyInfo {
  const { version: _version, digest: _digest, ...info } = stored
  return info
}

/**
 * The API keys stored in `storage` (the runtime's storage: memory, SQLite, PostgreSQL or Redis).
 *
 * @example
 * const keys = createApiKeyStore(storage)
 * const { key } = await keys.create({ owner: 'team-a', scopes: ['read', 'run'] })
 */
export function createApiKeyStore(storage: Storage | undefined): ApiKeyStore {
  const records = recordCollection(serverDriver(storage), COLLECTION, StoredApiKey)
  return {
    async create(input = {}, actor) {
      const owner = checkOwner(input.owner ?? DEFAULT_OWNER, 'keys.create: owner')
      const scopes = checkScopes(input.scopes ?? ['read', 'run'], 'keys.create: scopes')
      if (input.name !== undefined && (typeof input.name !== 'string' || input.name.length > 200)) {
        throw new ConfigError({ message: 'keys.create: name must be a string of at most 200 characters.' })
      }
      const expiresAt = input.expiresAt instanceof Date ? input.expiresAt.getTime() : input.expiresAt
      if (expiresAt !== undefined && (!Number.isFinite(expiresAt) || expiresAt <= Date.now())) {
        throw new ConfigError({
          message: `keys.create: expiresAt must be a time in the future (ms since the epoch or a Date); got ${String(input.expiresAt)}.`,
        })
      }
      const keyId = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 16)
      const secret = randomBytes(32).toString('base64url')
      const stored: StoredApiKey = {
        version: 1,
        keyId,
        owner,
        scopes,
        digest: digestSecret(secret).toString('hex'),
        createdAt: Date.now(),
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(expiresAt === undefined ? {} : { expiresAt }),
      }
      await records.put(keyId, stored, { expectedRevision: null, indexes: [`owner:${owner}`] })
      if (storage !== undefined) {
        await audit(storage, {
          eventType: SERVER_AUDIT_EVENTS.keyCreated,
          action: `created API key ${keyId} for owner "${owner}"`,
          actor: actor ?? 'cli',
          details: { keyId, owner, scopes, ...(input.name === undefined ? {} : { name: input.name }) },
        })
      }
      return { key: `al_${keyId}_${secret}`, info: infoOf(stored) }
    },
    async list(options = {}) {
      const rows = await records.list({
        descending: true,
        ...(options.owner === undefined ? {} : { index: `owner:${options.owner}` }),
      })
      return rows.map((row) => infoOf(row.value))
    },
    async get(keyId) {
      const found = await records.get(keyId)
      return found === null ? null : infoOf(found.value)
    },
    async revoke(keyId, actor) {
      const found = await records.get(keyId)
      if (found === null) return false
      if (found.value.revokedAt === undefined) {
        await records.put(
          keyId,
          { ...found.value, revokedAt: Date.now() },
          { expectedRevision: found.revision, indexes: [`owner:${found.value.owner}`] },
        )
        if (storage !== undefined) {
          await audit(storage, {
            eventType: SERVER_AUDIT_EVENTS.keyRevoked,
            action: `revoked API key ${keyId} of owner "${found.value.owner}"`,
            actor: actor ?? 'cli',
            details: { keyId, owner: found.value.owner },
          })
        }
      }
      return true
    },
    async verify(key, now = Date.now()) {
      const parts = parseApiKey(key)
      if (parts === null) return null
      const found = await records.get(parts.keyId)
      if (found === null) return null
      const expected = Buffer.from(found.value.digest, 'hex')
      if (!timingSafeEqual(expected, digestSecret(parts.secret))) return null
      if (found.value.revokedAt !== undefined) return null
      if (found.value.expiresAt !== undefined && found.value.expiresAt <= now) return null
      return infoOf(found.value)
    },
  }
}
