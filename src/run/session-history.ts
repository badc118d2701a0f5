import type { Message } from '../messages/message.js'
import type { Tokenizer } from '../model/tokenizer.js'
import type { Storage } from '../storage/storage.js'
import type { ActiveRun } from './active-run.js'
import type { RunState } from './run-state.js'
import { vetoSessionLoad } from './state-hooks.js'

/** How many session messages' token counts are kept per storage and tokenizer; past it, it starts over. */
export const MAX_KEPT_COUNTS = 200_000

/**
 * The token counts of session messages, by storage, tokenizer and `sessionId\0messageId`: a stored
 * message never changes (an edit adds a new one), so a run on a long session counts only the
 * messages no earlier run of this process counted, not the whole history again.
 */
const kept = new WeakMap<Storage, WeakMap<Tokenizer, Map<string, number>>>()

/** The kept counts of a storage's session messages for one tokenizer. */
export function keptCounts(storage: Storage, tokenizer: Tokenizer): Map<string, number> {
  let byTokenizer = kept.get(storage)
  if (byTokenizer === undefined) {
    byTokenizer = new WeakMap()
    kept.set(storage, byTokenizer)
  }
  let counts = byTokenizer.get(tokenizer)
  if (counts === undefined) {
    counts = new Map()
    byTokenizer.set(tokenizer, counts)
  }
  if (counts.size >= MAX_KEPT_COUNTS) counts.clear()
  return counts
}

/** What a run knows of the session messages it started from: their ids, to key their counts. */
export interface SessionHistory {
  storage: Storage
  /** The id (`sessionId\0messageId`) of each history message object. */
  ids: Map<Message, string>
}

/**
 * Reads the active branch of a run's session as the run's history (after the `beforeSessionLoad`
 * hooks, before the `afterSessionLoad` ones), and records the reference the run stores instead of
 * a copy (how many messages, the id of the last one).
 */
export async function loadSessionHistory(
  active: ActiveRun<unknown, unknown>,
  storage: Storage,
  session: NonNullable<RunState['session']>,
): Promise<Message[]> {
  await vetoSessionLoad(active, session.id)
  const entries = await storage.sessions.entries(session.id)
  session.historyLength = entries.length
  session.headId = entries.at(-1)?.id ?? null
  const ids = new Map<Message, string>()
  const messages: Message[] = []
  for (const entry of entries) {
    ids.set(entry.message, `${session.id}\u0000${entry.id}`)
    messages.push(entry.message)
  }
  active.sessionHistory = { storage, ids }
  if (active.hooks.hasState('SessionLoad')) {
    await active.hooks.afterState('SessionLoad', {
      runId: active.state.runId,
      agentName: active.agent.name,
      turn: active.state.turn,
      context: active.context,
      sessionId: session.id,
      messages,
      headId: session.headId,
    })
  }
  return messages
}
