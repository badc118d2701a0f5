import { ConfigError } from '../errors/errors.js'
import type { Storage } from '../storage/storage.js'
import { jsonSizeOnce } from '../util/json-size.js'
import type { RunState } from './run-state.js'

/**
 * How a run's state is stored (format 3): the checkpoint snapshot holds only what changes from one
 * save to the next (status, turn, usage, the current turn's tool calls...), how many messages and
 * items the run has, and its newest messages and items (the tail) while they are small; the others
 * are appended once, as parts saved with a checkpoint. A save writes the tail as a part once it
 * passes `TAIL_BYTES`, so a checkpoint costs the same at turn 500 as at turn 1, and the common
 * checkpoint (a few small messages since the last part) is one row fewer to write. Format 2 (no
 * tail: every message in a part) and format 1 (the whole state in every snapshot) are still read.
 */
export interface StoredRunState extends Omit<RunState, 'version' | 'messages' | 'items'> {
  version: 3
  messageCount: number
  itemCount: number
  /** The messages after those of the parts (and of the session's history). */
  messages: RunState['messages']
  /** The items after those of the parts. */
  items: RunState['items']
}

/** How many of a run's messages and items its stored parts hold (with its session's history). */
export interface SavedParts {
  messages: number
  items: number
}

/**
 * The JSON size (UTF-16 units) past which a snapshot's tail is written as a part: small enough that
 * the checkpoint row stays in one SQLite page (no overflow page) and, with the rest of a typical
 * snapshot (about 500 bytes), near PostgreSQL's 2 KB TOAST threshold; large enough for the
 * messages of a few short turns. The agent of `bench:durable` (3 model calls, 2 tools) writes 7.4
 * WAL pages per checkpoint with it (no part at all), 8.4 with 1 KB (one part per run), 9.8 with
 * no tail (a part per new message).
 */
export const TAIL_BYTES = 1_536

/** What a save of `state` writes, given how many messages and items earlier saves put in parts. */
export function storedForm(
  state: RunState,
  saved: SavedParts,
  tailBytes = TAIL_BYTES,
): {
  snapshot: StoredRunState
  part?: { messages: RunState['messages']; items: RunState['items'] }
  /** What the parts hold once this save is stored. */
  saved: SavedParts
} {
  const { messages, items } = state
  // A copy without the appended parts. Not `const { messages, items, ...rest } = state`: object
  // rest is an order of magnitude slower in V8, and this runs on every checkpoint.
  const snapshot = {} as StoredRunState
  const fields = snapshot as unknown as Record<string, unknown>
  for (const key in state) {
    if (key === 'messages' || key === 'items' || key === 'version') continue
    fields[key] = state[key as keyof RunState]
  }
  snapshot.version = 3
  snapshot.messageCount = messages.length
  snapshot.itemCount = items.length
  // A session's history is stored with the session: the run's parts start after it.
  const from =
    state.session?.headId === undefined
      ? saved.messages
      : Math.max(saved.messages, state.session.historyLength)
  const tail = { messages: messages.slice(from), items: items.slice(saved.items) }
  let size = 0
  for (const message of tail.messages) size += jsonSizeOnce(message)
  for (const item of tail.items) size += jsonSizeOnce(item)
  if (size <= tailBytes) {
    snapshot.messages = tail.messages
    snapshot.items = tail.items
    return { snapshot, saved: { messages: from, items: saved.items } }
  }
  snapshot.messages = []
  snapshot.items = []
  return { snapshot, part: tail, saved: { messages: messages.length, items: items.length } }
}

/** What the parts of a stored snapshot hold, given the state rebuilt from it (for the next save). */
export function savedParts(snapshot: unknown, state: RunState): SavedParts {
  const stored = snapshot as { version?: unknown; messages?: unknown; items?: unknown } | null
  if (stored?.version === 2) return { messages: state.messages.length, items: state.items.length }
  if (stored?.version === 3) {
    const tail = (value: unknown) => (Array.isArray(value) ? value.length : 0)
    return {
      messages: state.messages.length - tail(stored.messages),
      items: state.items.length - tail(stored.items),
    }
  }
  // A format 1 snapshot has no parts yet: its next save writes every message.
  return { messages: 0, items: 0 }
}

/**
 * The state (format 1 shape, validated by the caller) of a stored snapshot and its parts; a run of
 * a session gets its history from `history` (see `loadStoredState`). A format 1 snapshot is
 * returned as it is.
 */
export function rebuildState(
  snapshot: unknown,
  parts: readonly unknown[],
  history: readonly unknown[] = [],
): unknown {
  const stored = snapshot as Partial<StoredRunState> | { version?: unknown } | null
  if (stored?.version !== 2 && stored?.version !== 3) return snapshot
  const messages: unknown[] = [...history]
  const items: unknown[] = []
  for (const part of parts as { messages?: unknown[]; items?: unknown[] }[]) {
    if (Array.isArray(part.messages)) messages.push(...part.messages)
    if (Array.isArray(part.items)) items.push(...part.items)
  }
  const {
    messageCount,
    itemCount,
    messages: tailMessages,
    items: tailItems,
    ...rest
  } = stored as Partial<StoredRunState>
  // The tail (format 3) follows the parts. A tail that is not a list is a damaged store, as are
  // counts that do not add up (parts and snapshot are written together): validation reports it.
  const complete = (list: unknown[], tail: unknown, count: unknown) => {
    if (stored.version === 3) {
      if (!Array.isArray(tail)) return undefined
      list.push(...tail)
    }
    return list.length === count ? list : undefined
  }
  return {
    ...rest,
    version: 1,
    messages: complete(messages, tailMessages, messageCount),
    items: complete(items, tailItems, itemCount),
  }
}

/**
 * The state of a stored checkpoint, with the history of its session read back when the run refers
 * to it (a format 2 snapshot whose `session` has a `headId`): the path of the session ending at
 * that message. A session deleted (or changed by hand) since is a `ConfigError` naming the run.
 */
export async function loadStoredState(
  storage: Storage,
  runId: string,
  checkpoint: { snapshot: unknown; parts: readonly unknown[] },
): Promise<unknown> {
  const stored = checkpoint.snapshot as
    | (Partial<Omit<StoredRunState, 'version'>> & { version?: unknown })
    | null
  const session = stored?.version === 2 || stored?.version === 3 ? stored.session : undefined
  if (session?.headId === undefined || session.headId === null) {
    return rebuildState(checkpoint.snapshot, checkpoint.parts)
  }
  const history = await storage.sessions.messages(session.id, { headId: session.headId }).catch(() => [])
  if (history.length !== session.historyLength) {
    throw new ConfigError({
      message: `resume: run "${runId}" continues session "${session.id}" from its message "${session.headId}" (${session.historyLength} messages), but the session now has ${history.length} on that path: it was deleted or changed. The run cannot be rebuilt; start a new run on the session.`,
    })
  }
  return rebuildState(checkpoint.snapshot, checkpoint.parts, history)
}
