import { ConfigError } from '../../errors/errors.js'
import type { Message } from '../../messages/message.js'
import type { CompactionInput } from '../compaction-strategy.js'
import { groupMessages } from '../message-groups.js'

/** What the strategies that remove old messages keep. */
export interface KeepOptions {
  /** Keep the first user message, which usually states the task (default true). */
  keepFirstUserMessage?: boolean
  /**
   * How many of the most recent groups are always kept (default 2). A group is a user message, or
   * an assistant message with the results of its tool calls.
   */
  keepRecent?: number
}

/** The oldest removable messages, in order, and their tokens. */
export interface OldestSelection {
  /** Indexes (ascending) of the messages to remove. */
  indexes: number[]
  /** Where the removed messages were: the index of the first one. */
  position: number
  tokens: number
}

export function checkKeepOptions(options: KeepOptions, strategy: string): void {
  const keepRecent = options.keepRecent
  if (keepRecent !== undefined && !(Number.isInteger(keepRecent) && keepRecent >= 0)) {
    throw new ConfigError({
      message: `${strategy}: keepRecent must be a whole number of message groups (0 or more); got ${String(keepRecent)}.`,
    })
  }
}

/**
 * Picks whole groups from the oldest on until they free `needed` tokens (or every removable group
 * when that is not enough). System messages, the first user message (when kept) and the most
 * recent groups are never picked.
 */
export function selectOldest(input: CompactionInput, options: KeepOptions, needed: number): OldestSelection {
  const messages = input.messages
  const groups = groupMessages(messages)
  const keepRecent = options.keepRecent ?? 2
  const keepFirstUser = options.keepFirstUserMessage ?? true
  const firstUser = keepFirstUser ? groups.findIndex((group) => group.kind === 'user') : -1
  const lastRemovable = groups.length - keepRecent
  const indexes: number[] = []
  let tokens = 0
  let position = -1
  for (let g = 0; g < lastRemovable && tokens < needed; g++) {
    const group = groups[g]
    if (group === undefined || group.kind === 'system' || g === firstUser) continue
    if (position === -1) position = group.start
    for (let index = group.start; index < group.end; index++) {
      indexes.push(index)
      tokens += input.count(messages[index] as Message)
    }
  }
  return { indexes, position, tokens }
}

/** The messages without the selected ones, with `replacement` (if any) where they were. */
export function replaceSelection(
  messages: readonly Message[],
  selection: OldestSelection,
  replacement: Message | undefined,
): Message[] {
  const removed = new Set(selection.indexes)
  const result: Message[] = []
  messages.forEach((message, index) => {
    if (index === selection.position && replacement !== undefined) result.push(replacement)
    if (!removed.has(index)) result.push(message)
  })
  return result
}
