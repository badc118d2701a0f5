/**
 * How sessions are stored: a session record (title, active branch), one record per branch (its
 * head) and one per message (its parent). A branch's messages are the path from its head to the
 * root, so branching never copies messages.
 *
 * @module
 */
import { ConfigError } from '../../errors/errors.js'
import type { Message } from '../../messages/message.js'
import type { JsonObject } from '../../util/json.js'
import { decodeRecord, decodeRecords } from '../record-codec.js'
import type { Branch, Session, SessionEntry } from '../session-repository.js'
import { RecordNotFoundError, StoredDataError } from '../storage-errors.js'
import type { PutOperation, StoreDriver, StoredRecord, WriteOperation } from '../store-driver.js'
import { compact, compositeKey, newMessageId } from './shared.js'

export interface StoredSession {
  version: 1
  sessionId: string
  title?: string
  metadata?: JsonObject
  activeBranchId: string
  parentSessionId?: string
  forkedFromMessageId?: string
}

export interface StoredBranch {
  version: 1
  sessionId: string
  branchId: string
  headId: string | null
  forkedFrom?: { branchId: string; messageId: string }
}

/**
 * A message record. Format 2 (written since) leaves out what the envelope already holds: the
 * session (the record's group) and the message's id (the end of its key); format 1 repeated both.
 */
export type StoredMessage =
  | { version: 1; sessionId: string; id: string; parentId: string | null; message: Message }
  | { version: 2; parentId: string | null; message: Message }

/** A message id, from the key of its record (`compositeKey(sessionId, id)`, the group being the session). */
export function messageIdOf(record: Pick<StoredRecord, 'key' | 'group'>): string {
  const prefix = `${record.group.length}:${record.group}`
  const rest = record.key.startsWith(prefix) ? record.key.slice(prefix.length) : ''
  const colon = rest.indexOf(':')
  const id = rest.slice(colon + 1)
  if (colon < 1 || String(id.length) !== rest.slice(0, colon) || id.length === 0) {
    throw new StoredDataError({
      message: `Stored session-message "${record.key}" is unreadable: its key is not the message id of a message of session "${record.group}". Repair or delete the record.`,
      collection: 'session-message',
      key: record.key,
    })
  }
  return id
}

/** The entry a stored message is, whatever its format. */
export function toEntry(record: StoredRecord, data: StoredMessage): SessionEntry {
  return {
    id: data.version === 1 ? data.id : messageIdOf(record),
    parentId: data.parentId,
    message: data.message,
    createdAt: record.createdAt,
  }
}

/** Writes one message (format 2) of a session. */
export function messagePut(
  sessionId: string,
  id: string,
  parentId: string | null,
  message: Message,
  now: number,
): PutOperation {
  const data: StoredMessage = { version: 2, parentId, message }
  return {
    type: 'put',
    collection: 'session-message',
    key: compositeKey(sessionId, id),
    group: sessionId,
    order: now,
    data: data as unknown as JsonObject,
    expectedRevision: null,
    parent: parentId === null ? null : compositeKey(sessionId, parentId),
    compress: true,
  }
}

export const MAIN = 'main'

let messageSchema: Promise<typeof import('../../messages/message-schema.js')> | undefined

/** Validates messages given by the caller (zod loads on first use). */
export async function checkMessages(messages: readonly Message[], field: string): Promise<void> {
  if (!Array.isArray(messages)) throw new ConfigError({ message: `${field} must be an array of messages.` })
  messageSchema ??= import('../../messages/message-schema.js')
  const { Message: schema } = await messageSchema
  messages.forEach((message, index) => {
    const parsed = schema.safeParse(message)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const path = (issue?.path ?? []).map((key) =>
        typeof key === 'number' ? `[${key}]` : `.${String(key)}`,
      )
      throw new ConfigError({
        message: `${field}[${index}]${path.join('')}: ${issue?.message ?? 'invalid message'}. A message is { role: 'system' | 'user' | 'assistant', content } or { role: 'tool', callId, toolName, content }.`,
      })
    }
  })
}

export function toSession(record: StoredRecord, data: StoredSession): Session {
  return compact({
    sessionId: data.sessionId,
    title: data.title,
    metadata: data.metadata,
    activeBranchId: data.activeBranchId,
    parentSessionId: data.parentSessionId,
    forkedFromMessageId: data.forkedFromMessageId,
    revision: record.revision,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  })
}

export function toBranch(record: StoredRecord, data: StoredBranch): Branch {
  return compact({
    sessionId: data.sessionId,
    branchId: data.branchId,
    headId: data.headId,
    forkedFrom: data.forkedFrom,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  })
}

export function sessionPut(
  data: StoredSession,
  order: number,
  expectedRevision: number | null,
): PutOperation {
  return {
    type: 'put',
    collection: 'session',
    key: data.sessionId,
    // forks are grouped by their parent, so the forks of a session are one indexed listing
    group: data.parentSessionId ?? '',
    order,
    data: data as unknown as JsonObject,
    expectedRevision,
  }
}

export function branchPut(data: StoredBranch, order: number, expectedRevision: number | null): PutOperation {
  return {
    type: 'put',
    collection: 'session-branch',
    key: compositeKey(data.sessionId, data.branchId),
    group: data.sessionId,
    order,
    data: data as unknown as JsonObject,
    expectedRevision,
  }
}

/** New entries chained after `parentId`, with the operations that store them. */
export function chain(sessionId: string, parentId: string | null, messages: readonly Message[], now: number) {
  const entries: SessionEntry[] = []
  const operations: PutOperation[] = []
  let parent = parentId
  for (const message of messages) {
    const id = newMessageId()
    entries.push({ id, parentId: parent, message, createdAt: now })
    operations.push(messagePut(sessionId, id, parent, message, now))
    parent = id
  }
  return { entries, operations, headId: parent }
}

/** The session's message records by id (not decoded yet). */
export async function messageRecords(
  driver: StoreDriver,
  sessionId: string,
): Promise<Map<string, StoredRecord>> {
  const records = await driver.list('session-message', { group: sessionId })
  const byId = new Map<string, StoredRecord>()
  for (const record of records) {
    const id = record.data.version === 1 ? record.data.id : undefined
    byId.set(typeof id === 'string' ? id : messageIdOf(record), record)
  }
  return byId
}

/**
 * The path from the root to `headId`, decoded, read by walking the parent links (the driver's
 * `ancestors`): proportional to the branch, not to the session's tree. Messages stored before the
 * links existed (or whose link SQL migration 2 could not compute) end the walk early; the whole
 * tree is then read, as before.
 */
export async function branchPath(
  driver: StoreDriver,
  sessionId: string,
  headId: string | null,
): Promise<SessionEntry[]> {
  if (headId === null) return []
  const chain = await driver.ancestors('session-message', compositeKey(sessionId, headId))
  const last = chain[chain.length - 1]
  if (last === undefined || last.data.parentId !== null) {
    return pathTo(await messageRecords(driver, sessionId), headId)
  }
  chain.reverse()
  const decoded = await decodeRecords<StoredMessage>(chain)
  return decoded.map((data, index) => toEntry(chain[index] as StoredRecord, data))
}

/** The path from the root to `headId`, decoded. */
export async function pathTo(
  byId: Map<string, StoredRecord>,
  headId: string | null,
): Promise<SessionEntry[]> {
  const path: StoredRecord[] = []
  const seen = new Set<string>()
  let current = headId
  while (current !== null) {
    const record = byId.get(current)
    if (record === undefined || seen.has(current)) break
    seen.add(current)
    path.push(record)
    const parent = record.data.parentId
    current = typeof parent === 'string' ? parent : null
  }
  path.reverse()
  const decoded = await decodeRecords<StoredMessage>(path)
  return decoded.map((data, index) => toEntry(path[index] as StoredRecord, data))
}

/**
 * The operations that append `messages` to a session's branch (the active one by default),
 * creating the session when it does not exist yet. They compare-and-set the branch (or require the
 * session to be absent), so a commit that includes them fails with a conflict when another append
 * got there first: read again and retry.
 */
export async function appendOperations(
  driver: StoreDriver,
  sessionId: string,
  messages: readonly Message[],
  now: number,
  branchId?: string,
): Promise<{ operations: WriteOperation[]; entries: SessionEntry[] }> {
  const sessionRecord = await driver.get('session', sessionId)
  if (sessionRecord === null) {
    if (branchId !== undefined && branchId !== MAIN) {
      throw new RecordNotFoundError({
        collection: 'session',
        key: sessionId,
        message: `No session "${sessionId}" in the store. Create it first (sessions.create or sessions.append).`,
      })
    }
    const added = chain(sessionId, null, messages, now)
    return {
      operations: [
        sessionPut({ version: 1, sessionId, activeBranchId: MAIN }, now, null),
        branchPut({ version: 1, sessionId, branchId: MAIN, headId: added.headId }, now, null),
        ...added.operations,
      ],
      entries: added.entries,
    }
  }
  const session = await decodeRecord<StoredSession>(sessionRecord)
  const wanted = branchId ?? session.activeBranchId
  const branchRecord = await driver.get('session-branch', compositeKey(sessionId, wanted))
  if (branchRecord === null) {
    throw new RecordNotFoundError({
      collection: 'session-branch',
      key: wanted,
      message: `Session "${sessionId}" has no branch "${wanted}". List them with sessions.branches().`,
    })
  }
  const branch = await decodeRecord<StoredBranch>(branchRecord)
  const added = chain(sessionId, branch.headId, messages, now)
  return {
    operations: [
      branchPut({ ...branch, headId: added.headId }, branchRecord.createdAt, branchRecord.revision),
      ...added.operations,
    ],
    entries: added.entries,
  }
}
