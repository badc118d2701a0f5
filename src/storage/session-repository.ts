import type { Message } from '../messages/message.js'
import type { JsonObject } from '../util/json.js'
import type { UnreadableRecord } from './run-repository.js'
import type { StoredDataError } from './storage-errors.js'

/** A conversation. Its messages form a tree; each branch is a path from the root to a head. */
export interface Session {
  sessionId: string
  title?: string | undefined
  metadata?: JsonObject | undefined
  /** The branch `messages()` and `append()` use by default. */
  activeBranchId: string
  /** For a fork: the session it was forked from. */
  parentSessionId?: string | undefined
  /** For a fork: the message of the parent it was forked at (absent when the parent had none). */
  forkedFromMessageId?: string | undefined
  /** Changes when the session's title, metadata or active branch change. */
  revision: number
  createdAt: number
  updatedAt: number
}

/** One line of conversation: the last message of the path through its branch(es). */
export interface Branch {
  sessionId: string
  /** `main` for the first branch. */
  branchId: string
  /** The last message of the branch; null for an empty one. */
  headId: string | null
  /** Where it came from: the branch that was active and the message edited or regenerated. */
  forkedFrom?: { branchId: string; messageId: string } | undefined
  createdAt: number
  updatedAt: number
}

/** A stored message with its place in the tree. */
export interface SessionEntry {
  /** Unique within the session. */
  id: string
  parentId: string | null
  message: Message
  createdAt: number
}

/** Which sessions to list. */
export interface ListSessionsOptions {
  /** Default 100. */
  limit?: number
  /** Only the forks of this session. */
  parentSessionId?: string
  /** Where to continue: the `nextCursor` of the previous page (opaque). Omit for the first page. */
  cursor?: string
  /** Called for each session record that cannot be read; it is skipped. Default: a process warning. */
  onCorrupt?: (error: StoredDataError) => void
}

/** One page of sessions, newest first. */
export interface SessionPage {
  sessions: Session[]
  /** Pass it as `cursor` for the next page; null when this page is the last. */
  nextCursor: string | null
  /** Records of this page that could not be read and were left out. */
  skipped: UnreadableRecord[]
}

/** Options of `sessions.create`. */
export interface CreateSessionInput {
  /** Default: a UUID. */
  sessionId?: string
  title?: string
  metadata?: JsonObject
  /** The first messages of the `main` branch. */
  messages?: readonly Message[]
}

/** Which messages `sessions.messages` and `sessions.entries` read. */
export interface SessionReadOptions {
  /** The branch to read (default: the active one). */
  branchId?: string
  /** Read the path ending at this message (an id from `entries`) instead of a branch. Not with `branchId`. */
  headId?: string
}

/** Conversations with branching: edit a message, regenerate an answer, fork, switch branches. */
export interface SessionRepository {
  /** Creates a session (error when the id exists). */
  create(input?: CreateSessionInput): Promise<Session>
  get(sessionId: string): Promise<Session | null>
  /** Sessions, newest first (by creation): one page of at most `limit` (default 100); with `parentSessionId`, only the forks of that session. */
  list(options?: ListSessionsOptions): Promise<Session[]>
  /** Same as `list`, with the cursor of the next page and the records skipped as unreadable. */
  page(options?: ListSessionsOptions): Promise<SessionPage>
  /**
   * A session's lineage: the session itself, then the one it was forked from, and so on up to the
   * original; [] for an unknown session.
   */
  lineage(sessionId: string): Promise<Session[]>
  /** Changes title or metadata. */
  update(sessionId: string, changes: { title?: string; metadata?: JsonObject }): Promise<Session>
  /** Deletes a session and all its messages and branches; false when it did not exist. */
  delete(sessionId: string): Promise<boolean>
  /**
   * Appends messages to the end of a branch (default: the active one) atomically: concurrent
   * appends to one session all land, each as a contiguous block. Creates the session when missing.
   */
  append(
    sessionId: string,
    messages: readonly Message[],
    options?: { branchId?: string },
  ): Promise<SessionEntry[]>
  /**
   * The messages of a branch (default: active), oldest first; [] for an unknown session. With
   * `headId`, the path from the root to that message instead (what a run of the session read:
   * it stays readable after edits, which add branches and change no message).
   */
  messages(sessionId: string, options?: SessionReadOptions): Promise<Message[]>
  /** Same as `messages` with the ids needed to edit or regenerate. */
  entries(sessionId: string, options?: SessionReadOptions): Promise<SessionEntry[]>
  /**
   * Edits a message: a new branch ending with the new version of the message (after the original's
   * parent) becomes active. The original branch stays as it was.
   */
  edit(sessionId: string, messageId: string, message: Message): Promise<Branch>
  /**
   * Regenerates an answer: a new active branch whose head is the answer's parent; the new answer
   * is appended at once when given, else by the next `append` (a run on the session).
   */
  regenerate(sessionId: string, messageId: string, options?: { message?: Message }): Promise<Branch>
  /**
   * Copies the active branch up to `messageId` (default: its head) into a new session, which
   * records where it came from (`parentSessionId`, `forkedFromMessageId`).
   */
  fork(
    sessionId: string,
    options?: { messageId?: string; newSessionId?: string; title?: string },
  ): Promise<Session>
  /** The branches of a session, oldest first; [] for an unknown session. */
  branches(sessionId: string): Promise<Branch[]>
  /** Makes a branch the active one. */
  switchBranch(sessionId: string, branchId: string): Promise<Session>
}
