import type { Message } from '../messages/message.js'
import { findToolPairProblem } from '../messages/tool-pairs.js'

/**
 * A run of messages that must stay together: a system message, a user message, or an assistant
 * message with the tool results that answer its calls. Compaction removes whole groups only, so a
 * tool call is never separated from its result.
 */
export interface MessageGroup {
  kind: 'system' | 'user' | 'assistant'
  /** Index of the first message. */
  start: number
  /** Index after the last message. */
  end: number
}

/** Splits a conversation into groups (tool messages join the assistant message before them). */
export function groupMessages(messages: readonly Message[]): MessageGroup[] {
  const groups: MessageGroup[] = []
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as Message
    const last = groups[groups.length - 1]
    if (message.role === 'tool' && last !== undefined) {
      last.end = index + 1
      continue
    }
    groups.push({ kind: message.role === 'tool' ? 'user' : message.role, start: index, end: index + 1 })
  }
  return groups
}

/**
 * Checks that compaction kept every tool call with its result: each tool result in `after` follows
 * the assistant message holding its call, and each call in `after` whose result was in `before`
 * still has it. Returns a description of the first problem, or `undefined`. The check itself is
 * the one `validateHistory` uses.
 */
export function findBrokenToolPair(
  before: readonly Message[],
  after: readonly Message[],
): string | undefined {
  const answered = new Set<string>()
  for (const message of before) if (message.role === 'tool') answered.add(message.callId)
  const found = findToolPairProblem(after, { allowPendingToolCalls: true, answered })
  return found === undefined ? undefined : `message ${found.index} ${found.problem}`
}
