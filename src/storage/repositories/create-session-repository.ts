import { ConfigError } from '../../errors/errors.js'
import type { Message } from '../../messages/message.js'
import { decodeRecord, decodeRecords } from '../record-codec.js'
import type {
  Branch,
  ListSessionsOptions,
  Session,
  SessionEntry,
  SessionPage,
  SessionReadOptions,
  SessionRepository,
} from '../session-repository.js'
import { RecordNotFoundError } from '../storage-errors.js'
import type { StoreDriver, StoredRecord } from '../store-driver.js'
import { readPage } from './list-pages.js'
import {
  appendOperations,
  branchPath,
  branchPut,
  chain,
  checkMessages,
  MAIN,
  messagePut,
  type StoredBranch,
  type StoredMessage,
  type StoredSession,
  sessionPut,
  toBranch,
  toEntry,
  toSession,
} from './session-records.js'
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
    return toEntry(record, await decodeRecord<StoredMessage>(record))
  }

  async function entriesOf(
    sessionId: string,
    options: SessionReadOptions,
    field: string,
  ): Promise<SessionEntry[]> {
    if (options.headId !== undefined) {
      if (options.branchId !== undefined) {
        throw new ConfigError({
          message: `${field}: give branchId or headId, not both (headId reads the path ending at that message).`,
        })
      }
      const headId = requireId(options.headId, `${field}: headId`)
      if ((await loadSession(sessionId)) === null) return []
      await requireMessage(sessionId, headId)
      return branchPath(driver, sessionId, headId)
    }
    const session = await loadSession(sessionId)
    if (session === null) return []
    const branch = await requireBranch(sessionId, options.branchId ?? session.data.activeBranchId)
    return branchPath(driver, sessionId, branch.data.headId)
  }

  /** A new active branch starting after `parentId`, with `messages` on it. */
  async function branchOff(
    sessionId: string,
    messageId: string,
    parentOf: (original: SessionEntry) => string | null,
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

  async function listSessions(options: ListSessionsOptions, field: string): Promise<SessionPage> {
    // forks are grouped under the session they were forked from
    const parent =
      options.parentSessionId === undefined
        ? undefined
        : requireId(options.parentSessionId, `${field}: parentSessionId`)
    const page = await readPage(driver, {
      collection: 'session',
      sources: [parent === undefined ? {} : { group: parent }],
      limit: limitOf(options.limit, 100, `${field}: limit`),
      cursor: options.cursor,
      field: `${field}: cursor`,
      onCorrupt: options.onCorrupt,
      read: async (record) => toSession(record, await decodeRecord<StoredSession>(record)),
    })
    return { sessions: page.items, nextCursor: page.nextCursor, skipped: page.skipped }
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
      return (await listSessions(options, 'sessions.list')).sessions
    },

    page(options = {}) {
      return listSessions(options, 'sessions.page')
    },

    async lineage(sessionId) {
      const chain: Session[] = []
      const seen = new Set<string>()
      let next: string | undefined = requireId(sessionId, 'sessions.lineage: sessionId')
      // the set guards against a cycle in hand-edited data
      while (next !== undefined && !seen.has(next)) {
        seen.add(next)
        const session = await loadSession(next)
        if (session === null) break
        chain.push(toSession(session.record, session.data))
        next = session.data.parentSessionId
      }
      return chain
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
        const added = await appendOperations(driver, sessionId, messages, now, options.branchId)
        await commitOrThrow(driver, added.operations, now)
        return added.entries
      })
    },

    async messages(sessionId, options = {}) {
      const entries = await entriesOf(
        requireId(sessionId, 'sessions.messages: sessionId'),
        options,
        'sessions.messages',
      )
      return entries.map((entry) => entry.message)
    },

    async entries(sessionId, options = {}) {
      return entriesOf(requireId(sessionId, 'sessions.entries: sessionId'), options, 'sessions.entries')
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
      const path = await branchPath(driver, sessionId, headId)
      const now = Date.now()
      const forked: StoredSession = compact({
        version: 1,
        sessionId: newSessionId,
        title: options.title ?? session.data.title,
        metadata: session.data.metadata,
        activeBranchId: MAIN,
        parentSessionId: sessionId,
        forkedFromMessageId: headId ?? undefined,
      })
      const [revision] = await commitOrThrow(
        driver,
        [
          sessionPut(forked, now, null),
          branchPut({ version: 1, sessionId: newSessionId, branchId: MAIN, headId }, now, null),
          ...path.map((entry) => messagePut(newSessionId, entry.id, entry.parentId, entry.message, now)),
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
