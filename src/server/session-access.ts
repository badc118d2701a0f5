import type { Session } from '../storage/session-repository.js'
import { mayReach } from './audit-trail.js'
import { HttpError, notFound } from './http-error.js'
import type { Ownership } from './ownership.js'
import type { Principal } from './principal.js'
import type { ServerContext } from './server-context.js'

/** A session the principal may reach (its owner's, or any for admin); 404 otherwise, never 403. */
export async function findSession(
  server: ServerContext,
  ownership: Ownership,
  principal: Principal,
  sessionId: string,
): Promise<Session> {
  const session = await server.storage.sessions.get(sessionId)
  if (
    session === null ||
    !(await mayReach(server.storage, principal, {
      kind: 'session',
      id: sessionId,
      owner: await ownership.ownerOf('session', sessionId),
    }))
  ) {
    throw notFound('session', sessionId)
  }
  return session
}

/**
 * The session a run continues: the one named (checked), or a new one owned by the principal.
 * Without storage on the runtime a run has no session.
 */
export async function openSession(
  server: ServerContext,
  ownership: Ownership,
  principal: Principal,
  sessionId: string | undefined,
): Promise<string | undefined> {
  if (server.runtime.storage === undefined) {
    if (sessionId === undefined) return undefined
    throw new HttpError({
      type: 'invalid_request',
      field: 'body.sessionId',
      message:
        'body.sessionId: this server’s runtime has no storage, so it keeps no sessions; omit sessionId or give the runtime a storage.',
    })
  }
  if (sessionId !== undefined) return (await findSession(server, ownership, principal, sessionId)).sessionId
  const session = await server.storage.sessions.create()
  await ownership.record('session', session.sessionId, principal.owner)
  return session.sessionId
}
