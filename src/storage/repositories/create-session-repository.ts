import { ConfigError } from '../../errors/errors.js'
import type { Message } from '../../messages/message.js'
import type { JsonObject } from '../../util/json.js'
import { decodeRecord, decodeRecords } from '../record-codec.js'
import type { Branch, Session, SessionEntry, SessionRepository } from '../session-repository.js'
import type { PutOperation, StoredRecord, StoreDriver } from '../store-driver.js'
import { RecordNotFoundError } from '../storage-errors.js'
import {
  commitOrThrow,
  compact,
  compositeKey,
  limitOf,
  newId,
  requireId,
  requireJson,
  retryOnConflict,
} from './shared.js'

interface StoredSession {
  version: 1
  sessionId: string
  title?: string
  metadata?: JsonObject
  activeBranchId: string
}

interface StoredBranch {
  version: 1
  sessionId: string
  branchId: string
  headId: string | null
  forkedFrom?: { branchId: string; messageId: string }
}

interface StoredMessage {
  version: 1
  sessionId: string
  id: string
  parentId: string | null
  message: Message
}

const MAIN = 'main'

let messageSchema: Promise<typeof import('../../messages/message-schema.js')> | undefined

/** Validates messages given by the caller (zod loads on first use). */
async function checkMessages(messages: readonly Message[], field: string): Promise<void> {
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

function toSession(record: StoredRecord, data: StoredSession): Session {
  return compact({
    sessionId: data.sessionId,
    title: data.title,
    metadata: data.metadata,
    activeBranchId: data.activeBranchId,
    revision: record.revision,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  })
}

function toBranch(record: StoredRecord, data: StoredBranch): Branch {
  return compact({
    sessionId: data.sessionId,
    branchId: data.branchId,
    headId: data.headId,
    forkedFrom: data.forkedFrom,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  })
}

function sessionPut(data: StoredSession, order: number, expectedRevision: number | null): PutOperation {
  return {
    type: 'put',
    collection: 'session',
    key: data.sessionId,
    group: '',
    order,
    data: data as unknown as JsonObject,
    expectedRevision,
  }
}

function branchPut(data: StoredBranch, order: number, expectedRevision: number | null): PutOperation {
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
function chain(sessionId: string, parentId: string | null, messages: readonly Message[], now: number) {
  const entries: SessionEntry[] = []
  const operations: PutOperation[] = []
  let parent = parentId
  for (const message of messages) {
    const id = newId()
    entries.push({ id, parentId: parent, message, createdAt: now })
    const data: StoredMessage = { version: 1, sessionId, id, parentId: parent, message }
    operations.push({
      type: 'put',
      collection: 'session-message',
      key: compositeKey(sessionId, id),
      group: sessionId,
      order: now,
      data: data as unknown as JsonObject,
      expectedRevision: null,
    })
    parent = id
  }
  return { entries, operations, headId: parent }
}

/** The session's message records by id (not decoded yet). */
async function messageRecords(driver: StoreDriver, sessionId: string): Promise<Map<string, StoredRecord>> {
  const records = await driver.list('session-message', { group: sessionId })
  const byId = new Map<string, StoredRecord>()
  for (const record of records) byId.set(String(record.data.id), record)
  return byId
}

/** The path from the root to `headId`, decoded. */
async function pathTo(byId: Map<string, StoredRecord>, headId: string | null): Promise<SessionEntry[]> {
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
  return decoded.map((data, index) => ({
    id: data.id,
    parentId: data.parentId,
    message: data.message,
    createdAt: (path[index] as StoredRecord).createdAt,
  }))
}

/** The sessions repository over a store driver. */
export function createSessionRepository(driver: StoreDriver): SessionRepository {
  async function loadSession(sessionId: string) {
    const record = await driver.get('session', sessionId)
    return record === null ? null : { record, data: await decodeRecord<StoredSession>(record) }
  }

  async function requireSession(sessionId: string) {
    const session = await loadSession(sessionId)
    if (session === null) {
      throw new RecordNotFoundError({
        collection: 'session',
        key: sessionId,
        message: `No session "${sessionId}" in the store. Create it first (sessions.create or sessions.append).`,
      })
    }
    return session
  }

  async function loadBranch(sessionId: string, branchId: string) {
    const record = await driver.get('session-branch', compositeKey(sessionId, branchId))
    return record === null ? null : { record, data: await decodeRecord<StoredBranch>(record) }
  }

  async function requireBranch(sessionId: string, branchId: string) {
    const branch = await loadBranch(sessionId, branchId)
    if (branch === null) {
      throw new RecordNotFoundError({
        collection: 'session-branch',
        key: branchId,
        message: `Session "${sessionId}" has no branch "${branchId}". List them with sessions.branches().`,
      })
    }
    return branch
  }

  async function requireMessage(sessionId: string, messageId: string) {
    const record = await driver.get('session-message', compositeKey(sessionId, messageId))
    if (record === null) {
      throw new RecordNotFoundError({
        collection: 'session-message',
        key: messageId,
        message: `Session "${sessionId}" has no message "${messageId}". Take ids from sessions.entries().`,
      })
    }
    return decodeRecord<StoredMessage>(record)
  }

  async function entriesOf(sessionId: string, branchId: string | undefined): Promise<SessionEntry[]> {
    const session = await loadSession(sessionId)
    if (session === null) return []
    const branch = await requireBranch(sessionId, branchId ?? session.data.activeBranchId)
    if (branch.data.headId === null) return []
    return pathTo(await messageRecords(driver, sessionId), branch.data.headId)
  }

  /** A new active branch starting after `parentId`, with `messages` on it. */
  async function branchOff(
    sessionId: string,
    messageId: string,
    parentOf: (original: StoredMessage) => string | null,
    messages: readonly Message[],
  ): Promise<Branch> {
    return retryOnConflict(async () => {
      const session = await requireSession(sessionId)
      const original = await requireMessage(sessionId, messageId)
      const now = Date.now()
      const branchId = newId()
      const added = chain(sessionId, parentOf(original), messages, now)
      const branch: StoredBranch = {
        version: 1,
        sessionId,
        branchId,
        headId: added.headId,
        forkedFrom: { branchId: session.data.activeBranchId, messageId },
      }
      await commitOrThrow(
        driver,
        [
          sessionPut(
            { ...session.data, activeBranchId: branchId },
            session.record.createdAt,
            session.record.revision,
          ),
          branchPut(branch, now, null),
          ...added.operations,
        ],
        now,
      )
      return compact({
        sessionId,
        branchId,
        headId: added.headId,
        forkedFrom: branch.forkedFrom,
        createdAt: now,
        updatedAt: now,
      })
    })
  }

  return {
    async create(input = {}) {
      const sessionId =
        input.sessionId === undefined ? newId() : requireId(input.sessionId, 'sessions.create: sessionId')
      if (input.metadata !== undefined) requireJson(input.metadata, 'sessions.create: metadata')
      const messages = input.messages ?? []
      await checkMessages(messages, 'sessions.create: messages')
      const now = Date.now()
      const added = chain(sessionId, null, messages, now)
      const session: StoredSession = compact({
        version: 1,
        sessionId,
        title: input.title,
        metadata: input.metadata,
        activeBranchId: MAIN,
      })
      const [revision] = await commitOrThrow(
        driver,
        [
          sessionPut(session, now, null),
          branchPut({ version: 1, sessionId, branchId: MAIN, headId: added.headId }, now, null),
          ...added.operations,
        ],
        now,
      )
      return toSession(
        { revision: revision as number, createdAt: now, updatedAt: now } as StoredRecord,
        session,
      )
    },

    async get(sessionId) {
      const session = await loadSession(requireId(sessionId, 'sessions.get: sessionId'))
      return session === null ? null : toSession(session.record, session.data)
    },

    async list(options = {}) {
      const limit = limitOf(options.limit, 100, 'sessions.list: limit')
      const records = await driver.list('session', { descending: true, limit })
      const decoded = await decodeRecords<StoredSession>(records)
      return decoded.map((data, index) => toSession(records[index] as StoredRecord, data))
    },

    async update(sessionId, changes) {
      requireId(sessionId, 'sessions.update: sessionId')
      if (changes.metadata !== undefined) requireJson(changes.metadata, 'sessions.update: metadata')
      return retryOnConflict(async () => {
        const session = await requireSession(sessionId)
        const data: StoredSession = compact({ ...session.data, ...changes })
        const now = Date.now()
        const [revision] = await commitOrThrow(
          driver,
          [sessionPut(data, session.record.createdAt, session.record.revision)],
          now,
        )
        return toSession({ ...session.record, revision: revision as number, updatedAt: now }, data)
      })
    },

    async delete(sessionId) {
      requireId(sessionId, 'sessions.delete: sessionId')
      const existing = await driver.get('session', sessionId)
      await commitOrThrow(driver, [
        { type: 'delete', collection: 'session', key: sessionId },
        { type: 'deleteGroup', collection: 'session-branch', group: sessionId },
        { type: 'deleteGroup', collection: 'session-message', group: sessionId },
      ])
      return existing !== null
    },

    async append(sessionId, messages, options = {}) {
      requireId(sessionId, 'sessions.append: sessionId')
      await checkMessages(messages, 'sessions.append: messages')
      if (messages.length === 0) return []
      return retryOnConflict(async () => {
        const now = Date.now()
        const session = await loadSession(sessionId)
        if (session === null) {
          if (options.branchId !== undefined && options.branchId !== MAIN) await requireSession(sessionId)
          const added = chain(sessionId, null, messages, now)
          await commitOrThrow(
            driver,
            [
              sessionPut({ version: 1, sessionId, activeBranchId: MAIN }, now, null),
              branchPut({ version: 1, sessionId, branchId: MAIN, headId: added.headId }, now, null),
              ...added.operations,
            ],
            now,
          )
          return added.entries
        }
        const branch = await requireBranch(sessionId, options.branchId ?? session.data.activeBranchId)
        const added = chain(sessionId, branch.data.headId, messages, now)
        await commitOrThrow(
          driver,
          [
            branchPut(
              { ...branch.data, headId: added.headId },
              branch.record.createdAt,
              branch.record.revision,
            ),
            ...added.operations,
          ],
          now,
        )
        return added.entries
      })
    },

    async messages(sessionId, options = {}) {
      const entries = await entriesOf(requireId(sessionId, 'sessions.messages: sessionId'), options.branchId)
      return entries.map((entry) => entry.message)
    },

    async entries(sessionId, options = {}) {
      return entriesOf(requireId(sessionId, 'sessions.entries: sessionId'), options.branchId)
    },

    async edit(sessionId, messageId, message) {
      requireId(sessionId, 'sessions.edit: sessionId')
      requireId(messageId, 'sessions.edit: messageId')
      await checkMessages([message], 'sessions.edit: message')
      return branchOff(sessionId, messageId, (original) => original.parentId, [message])
    },

    async regenerate(sessionId, messageId, options = {}) {
      requireId(sessionId, 'sessions.regenerate: sessionId')
      requireId(messageId, 'sessions.regenerate: messageId')
      const messages = options.message === undefined ? [] : [options.message]
      await checkMessages(messages, 'sessions.regenerate: message')
      return branchOff(sessionId, messageId, (original) => original.parentId, messages)
    },

    async fork(sessionId, options = {}) {
      requireId(sessionId, 'sessions.fork: sessionId')
      const session = await requireSession(sessionId)
      const newSessionId =
        options.newSessionId === undefined
          ? newId()
          : requireId(options.newSessionId, 'sessions.fork: newSessionId')
      let headId: string | null
      if (options.messageId === undefined) {
        headId = (await requireBranch(sessionId, session.data.activeBranchId)).data.headId
      } else {
        headId = (await requireMessage(sessionId, requireId(options.messageId, 'sessions.fork: messageId')))
          .id
      }
      const path = headId === null ? [] : await pathTo(await messageRecords(driver, sessionId), headId)
      const now = Date.now()
      const forked: StoredSession = compact({
        version: 1,
        sessionId: newSessionId,
        title: options.title ?? session.data.title,
        metadata: session.data.metadata,
        activeBranchId: MAIN,
      })
      const [revision] = await commitOrThrow(
        driver,
        [
          sessionPut(forked, now, null),
          branchPut({ version: 1, sessionId: newSessionId, branchId: MAIN, headId }, now, null),
          ...path.map(
            (entry): PutOperation => ({
              type: 'put',
              collection: 'session-message',
              key: compositeKey(newSessionId, entry.id),
              group: newSessionId,
              order: now,
              data: {
                version: 1,
                sessionId: newSessionId,
                id: entry.id,
                parentId: entry.parentId,
                message: entry.message,
              } as unknown as JsonObject,
              expectedRevision: null,
            }),
          ),
        ],
        now,
      )
      return toSession(
        { revision: revision as number, createdAt: now, updatedAt: now } as StoredRecord,
        forked,
      )
    },

    async branches(sessionId) {
      const records = await driver.list('session-branch', {
        group: requireId(sessionId, 'sessions.branches: sessionId'),
      })
      const decoded = await decodeRecords<StoredBranch>(records)
      return decoded.map((data, index) => toBranch(records[index] as StoredRecord, data))
    },

    async switchBranch(sessionId, branchId) {
      requireId(sessionId, 'sessions.switchBranch: sessionId')
      requireId(branchId, 'sessions.switchBranch: branchId')
      return retryOnConflict(async () => {
        const session = await requireSession(sessionId)
        await requireBranch(sessionId, branchId)
        const data: StoredSession = { ...session.data, activeBranchId: branchId }
        const now = Date.now()
        const [revision] = await commitOrThrow(
          driver,
          [sessionPut(data, session.record.createdAt, session.record.revision)],
          now,
        )
        return toSession({ ...session.record, revision: revision as number, updatedAt: now }, data)
      })
    },
  }
}
