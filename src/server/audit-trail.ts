/**
 * What the server writes to the audit repository (`storage.audit`): API keys created and revoked,
 * budgets set and removed, and every action of an admin key on another owner's objects. Entries
 * name the acting key by id (never a secret) and its owner; they are written before the answer.
 *
 * @module
 */
import type { Storage } from '../storage/storage.js'
import type { JsonObject } from '../util/json.js'
import type { Principal } from './principal.js'

/** Who acted: a key (its id and owner), or the command line. */
export type Actor = Pick<Principal, 'keyId' | 'owner'> | 'cli'

/** The audit event types the server writes. */
export const SERVER_AUDIT_EVENTS = {
  keyCreated: 'api_key.created',
  keyRevoked: 'api_key.revoked',
  budgetSet: 'budget.set',
  budgetRemoved: 'budget.removed',
  crossOwner: 'admin.cross_owner',
} as const

/** Writes one audit entry for an action of `actor` (a principal, or `cli` for the command line). */
export async function audit(
  storage: Storage,
  entry: { eventType: string; action: string; actor: Actor; details?: JsonObject },
): Promise<void> {
  const actor = entry.actor === 'cli' ? 'cli' : entry.actor.keyId
  await storage.audit.log({
    eventType: entry.eventType,
    action: entry.action,
    actor,
    details: {
      ...(entry.actor === 'cli' ? {} : { actorOwner: entry.actor.owner }),
      ...entry.details,
    },
  })
}

/**
 * Whether `principal` may reach an object of `owner`: its own, or any with `admin`, in which case
 * the cross-owner access is audited first. A false answer becomes a 404 (never 403).
 */
export async function mayReach(
  storage: Storage,
  principal: Principal,
  object: { kind: string; id: string; owner: string; action?: string },
): Promise<boolean> {
  if (principal.owner === object.owner) return true
  if (!principal.scopes.includes('admin')) return false
  await audit(storage, {
    eventType: SERVER_AUDIT_EVENTS.crossOwner,
    action: `${object.action ?? 'access'} ${object.kind} "${object.id}" of owner "${object.owner}"`,
    actor: principal,
    details: { kind: object.kind, id: object.id, owner: object.owner, action: object.action ?? 'access' },
  })
  return true
}
