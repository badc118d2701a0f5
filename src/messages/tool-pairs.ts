import type { Message } from './message.js'

/** The first problem found between tool calls and their results. */
export interface ToolPairProblem {
  /** Index of the message the problem is about. */
  index: number
  /** What is wrong and what to do, completing "message <index> …". */
  problem: string
}

/** Options of {@link findToolPairProblem}. */
export interface ToolPairOptions {
  /** Accept tool calls without results at the very end (a conversation paused before its tools ran). */
  allowPendingToolCalls?: boolean | undefined
  /** Calls that must keep their result even at the end (they had one before compaction). */
  answered?: ReadonlySet<string> | undefined
}

/**
 * The one check of tool-call pairs, shared by `validateHistory` and compaction: every tool result
 * follows the assistant message holding its call (same id, same tool name, answered once), and
 * every call is answered before the conversation moves on. Returns the first problem, or undefined.
 */
export function findToolPairProblem(
  messages: readonly Message[],
  options: ToolPairOptions = {},
): ToolPairProblem | undefined {
  let open = new Map<string, string>()
  let openSince = -1
  for (const [index, message] of messages.entries()) {
    if (message.role === 'tool') {
      const name = open.get(message.callId)
      if (name === undefined) {
        return {
          index,
          problem: `is the result of tool call "${message.callId}", but no assistant message right before it made that call (or it was already answered). Put each tool result after the assistant message with its call.`,
        }
      }
      if (name !== message.toolName) {
        return {
          index,
          problem: `answers tool call "${message.callId}" with tool name "${message.toolName}", but the call was to "${name}".`,
        }
      }
      open.delete(message.callId)
      continue
    }
    if (open.size > 0) {
      return {
        index: openSince,
        problem: `has tool calls without results (${[...open.keys()].join(', ')}) before message ${index}; add a tool result for each call.`,
      }
    }
    open = new Map()
    if (message.role === 'assistant' && typeof message.content !== 'string') {
      for (const part of message.content) {
        if (part.type !== 'tool-call') continue
        if (open.has(part.callId))
          return { index, problem: `has two tool calls with the id "${part.callId}"; ids must be unique.` }
        open.set(part.callId, part.name)
        openSince = index
      }
    }
  }
  if (open.size === 0) return undefined
  const lost = [...open.keys()].find((callId) => options.answered?.has(callId))
  if (lost !== undefined) {
    return {
      index: openSince,
      problem: `has tool call "${lost}" (${open.get(lost)}) kept without its result; keep or remove a call together with its result.`,
    }
  }
  if (options.allowPendingToolCalls === true) return undefined
  return {
    index: openSince,
    problem: `ends the conversation with tool calls without results (${[...open.keys()].join(', ')}); add their results, or pass { allowPendingToolCalls: true }.`,
  }
}
