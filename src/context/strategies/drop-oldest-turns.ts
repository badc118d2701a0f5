import type { Message } from '../../messages/message.js'
import type { CompactionInput, CompactionOutcome, CompactionStrategy } from '../compaction-strategy.js'
import { checkKeepOptions, type KeepOptions, replaceSelection, selectOldest } from './oldest-groups.js'

/** Options of `dropOldestTurns`. */
export interface DropOldestTurnsOptions extends KeepOptions {
  /**
   * A short user message put where the dropped messages were, so the model knows some are missing
   * (default: a one-line note; `false` for none).
   */
  note?: string | false
}

const NAME = 'drop-oldest-turns'

/**
 * Removes the oldest messages, a whole group at a time (a user message, or an assistant message
 * with its tool results), until the request fits. Keeps system messages, the first user message
 * and the most recent groups.
 */
export function dropOldestTurns(options: DropOldestTurnsOptions = {}): CompactionStrategy {
  checkKeepOptions(options, 'dropOldestTurns')
  const note =
    options.note ?? '[Earlier messages of this conversation were removed to fit the context window.]'
  // One object for every turn, so its token count is cached.
  const noteMessage: Message | undefined = note === false ? undefined : { role: 'user', content: note }
  return {
    name: NAME,
    compact(input: CompactionInput): CompactionOutcome | undefined {
      const excess = input.messageTokens - input.messageBudget
      if (excess <= 0) return undefined
      const noteTokens = noteMessage === undefined ? 0 : input.count(noteMessage)
      const selection = selectOldest(input, options, excess + noteTokens)
      if (selection.indexes.length === 0) {
        return { messages: [...input.messages], note: 'nothing left that may be dropped' }
      }
      return {
        messages: replaceSelection(input.messages, selection, noteMessage),
        removedMessages: selection.indexes.length,
      }
    },
  }
}
