import { ConfigError } from '../errors/errors.js'
import type { JsonValue } from '../util/json.js'
import type { AssistantMessage, AssistantPart, Message, ToolCallPart, UserPart } from './message.js'
import { findToolPairProblem } from './tool-pairs.js'

/** Options of `validateHistory` and `HistoryBuilder.build`. */
export interface HistoryValidationOptions {
  /**
   * Accept tool calls without results at the very end (a conversation paused before its tools ran).
   * Default false: continuing such a history would make the provider refuse the request.
   */
  allowPendingToolCalls?: boolean
}

/**
 * Checks that a conversation can be sent to a model: every tool result follows the assistant
 * message holding its call (same id, same tool name, answered once), and every tool call is
 * answered before the conversation moves on. Throws `ConfigError` naming the message's index.
 */
export function validateHistory(messages: readonly Message[], options: HistoryValidationOptions = {}): void {
  const found = findToolPairProblem(messages, options)
  if (found !== undefined)
    throw new ConfigError({ message: `history: message ${found.index} ${found.problem}` })
}

/**
 * Assembles a conversation step by step, then checks it (`build`). Use it to write a history by
 * hand, or to continue a chat restored from elsewhere (see `fromOpenAIChat` in `agentloop/openai` and `fromAnthropic` in `agentloop/anthropic`).
 *
 * @example
 * const messages = history()
 *   .user('What is 2 + 3?')
 *   .toolCall({ id: 'c1', name: 'add', arguments: { a: 2, b: 3 } })
 *   .toolResult('c1', 5)
 *   .assistant('5')
 *   .build()
 */
export class HistoryBuilder {
  readonly #messages: Message[] = []

  /** A system message. */
  system(text: string): this {
    this.#messages.push({ role: 'system', content: text })
    return this
  }

  /** A user message: text, or parts (text and images). */
  user(content: string | UserPart[]): this {
    this.#messages.push({ role: 'user', content })
    return this
  }

  /** An assistant message: text, or parts (text, reasoning, tool calls). */
  assistant(content: string | AssistantPart[]): this {
    this.#messages.push({ role: 'assistant', content })
    return this
  }

  /**
   * A tool call by the assistant. Joins the previous message when it is an assistant message (so
   * several calls make one parallel-call message); otherwise starts one. `arguments` may be an
   * object (written as JSON) or the raw JSON text.
   */
  toolCall(call: { id: string; name: string; arguments?: JsonValue | string }): this {
    const args = call.arguments ?? {}
    const part: ToolCallPart = {
      type: 'tool-call',
      callId: call.id,
      name: call.name,
      arguments: typeof args === 'string' ? args : JSON.stringify(args),
    }
    const last = this.#messages[this.#messages.length - 1]
    if (last?.role === 'assistant') {
      const parts: AssistantPart[] =
        typeof last.content === 'string'
          ? last.content === ''
            ? []
            : [{ type: 'text', text: last.content }]
          : last.content
      ;(last as AssistantMessage).content = [...parts, part]
    } else {
      this.#messages.push({ role: 'assistant', content: [part] })
    }
    return this
  }

  /**
   * The result of the tool call `callId` (the tool's name is taken from the call). A value that is
   * not a string is written as JSON.
   */
  toolResult(callId: string, output: JsonValue, options: { isError?: boolean } = {}): this {
    let toolName = ''
    for (let index = this.#messages.length - 1; index >= 0 && toolName === ''; index--) {
      const message = this.#messages[index]
      if (message?.role !== 'assistant' || typeof message.content === 'string') continue
      for (const part of message.content)
        if (part.type === 'tool-call' && part.callId === callId) toolName = part.name
    }
    if (toolName === '') {
      throw new ConfigError({
        message: `history: toolResult("${callId}") has no matching toolCall; add .toolCall({ id: "${callId}", ... }) first.`,
      })
    }
    this.#messages.push({
      role: 'tool',
      callId,
      toolName,
      content: typeof output === 'string' ? output : JSON.stringify(output),
      ...(options.isError === true ? { isError: true } : {}),
    })
    return this
  }

  /** Appends messages as they are (checked by `build`). */
  append(messages: readonly Message[]): this {
    this.#messages.push(...messages)
    return this
  }

  /** The checked conversation, ready for `run(agent, messages)`. */
  build(options?: HistoryValidationOptions): Message[] {
    const messages = structuredClone(this.#messages)
    validateHistory(messages, options)
    return messages
  }
}

/** Starts a `HistoryBuilder`, optionally from existing messages. */
export function history(messages: readonly Message[] = []): HistoryBuilder {
  return new HistoryBuilder().append(messages)
}
