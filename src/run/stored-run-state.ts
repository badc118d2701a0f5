import { ConfigError } from '../errors/errors.js'
import type { Storage } from '../storage/storage.js'
import type { RunState } from './run-state.js'

/**
 * How a run's state is stored (format 2): the checkpoint snapshot holds only what changes from one
 * save to the next (status, turn, usage, the current turn's tool calls...) and how many messages
 * and items the run has; the messages and items themselves are appended once, as parts saved with
 * the checkpoint that first holds them. A checkpoint then costs the same at turn 500 as at turn 1.
 * Format 1 (the whole state in every snapshot) is still read.
 */
export interface StoredRunState extends Omit<RunState, 'version' | 'messages' | 'items'> {
  version: 2
  messageCount: number
  itemCount: number
}

/** What a save of `state` writes, given how many messages and items earlier saves hold. */
export function storedForm(
  state: RunState,
  saved: { messages: number; items: number },
): { snapshot: StoredRunState; part?: { messages: RunState['messages']; items: RunState['items'] } } {
  const { messages, items } = state
  // A copy without the appended parts. Not `const { messages, items, ...rest } = state`: object
  // rest is an order of magnitude slower in V8, and this runs on every checkpoint.
  const snapshot = {} as StoredRunState
  const fields = snapshot as unknown as Record<string, unknown>
  for (const key in state) {
    if (key === 'messages' || key === 'items' || key === 'version') continue
    fields[key] = state[key as keyof RunState]
  }
  snapshot.version = 2
  snapshot.messageCount = messages.length
  snapshot.itemCount = items.length
  // A session's history is stored with the session: the run's parts start after it.
  const from =
    state.session?.headId === undefined
      ? saved.messages
      : Math.max(saved.messages, state.session.historyLength)
  if (messages.length === from && items.length === saved.items) return { snapshot }
  return { snapshot, part: { messages: messages.slice(from), items: items.slice(saved.items) } }
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
  const stored = snapshot as Partial<StoredRunState> | null
  if (stored?.version !== 2) return snapshot
  const messages: unknown[] = [...history]
  const items: unknown[] = []
  for (const part of parts as { messages?: unknown[]; items?: unknown[] }[]) {
    if (Array.isArray(part.messages)) messages.push(...part.messages)
    if (Array.isArray(part.items)) items.push(...part.items)
  }
  const { messageCount, itemCount, ...rest } = stored
  // More than the counts cannot be stored (parts and snapshot are written together); fewer is a
  // damaged store, which validation reports.
  return {
    ...rest,
    version: 1,
    messages: messages.length === messageCount ? messages : undefined,
    items: items.length === itemCount ? items : undefined,
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
  const stored = checkpoint.snapshot as Partial<StoredRunState> | null
  const session = stored?.version === 2 ? stored.session : undefined
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
