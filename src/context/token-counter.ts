import type { Message } from '../messages/message.js'
import type { ModelTool } from '../model/model-request.js'
import type { Tokenizer } from '../model/tokenizer.js'

/** Tokens every message costs beyond its content (role and separators in the provider's format). */
export const MESSAGE_OVERHEAD = 4
/** Tokens a tool call costs beyond its name and arguments. */
export const TOOL_CALL_OVERHEAD = 6
/** Tokens a tool definition costs beyond its name, description and schema. */
export const TOOL_OVERHEAD = 8
/** Tokens counted for one image: OpenAI's figure for a 1024x1024 image in high detail. */
export const IMAGE_TOKENS = 765
/** Tokens the provider adds to prime the answer. */
export const REQUEST_OVERHEAD = 3

/** The token counts of one request, by part. */
export interface RequestTokens {
  instructions: number
  tools: number
  messages: number
  total: number
}

/**
 * Counts the tokens of requests with one tokenizer, caching the count of each message object and
 * each tool list: counting a history again only tokenises the messages added since. Messages are
 * treated as immutable once counted (agentloop never edits a stored message in place; a hook that
 * wants to change one should replace it with a new object).
 */
export class TokenCounter {
  readonly tokenizer: Tokenizer
  readonly #messages = new WeakMap<Message, number>()
  readonly #tools = new WeakMap<readonly ModelTool[], number>()
  #instructions: { text: string; tokens: number } | undefined

  constructor(tokenizer: Tokenizer) {
    this.tokenizer = tokenizer
  }

  /** The tokens of one message, including its overhead. */
  message(message: Message): number {
    let tokens = this.#messages.get(message)
    if (tokens === undefined) {
      tokens = this.countMessage(message)
      this.#messages.set(message, tokens)
    }
    return tokens
  }

  /** The tokens of a list of messages. */
  messages(messages: readonly Message[]): number {
    let total = 0
    for (const message of messages) total += this.message(message)
    return total
  }

  /** The tokens of the tool definitions the model sees. */
  tools(tools: readonly ModelTool[]): number {
    if (tools.length === 0) return 0
    let tokens = this.#tools.get(tools)
    if (tokens === undefined) {
      tokens = 0
      for (const entry of tools) {
        tokens +=
          TOOL_OVERHEAD +
          this.tokenizer.count(entry.name) +
          this.tokenizer.count(entry.description) +
          this.tokenizer.count(JSON.stringify(entry.parameters))
      }
      this.#tools.set(tools, tokens)
    }
    return tokens
  }

  /** The tokens of the system prompt. */
  instructions(text: string | undefined): number {
    if (text === undefined || text === '') return 0
    if (this.#instructions?.text !== text) {
      this.#instructions = { text, tokens: MESSAGE_OVERHEAD + this.tokenizer.count(text) }
    }
    return this.#instructions.tokens
  }

  /** The tokens of a whole request: system prompt, tools, messages and the answer's priming. */
  request(request: {
    instructions?: string | undefined
    tools: readonly ModelTool[]
    messages: readonly Message[]
  }): RequestTokens {
    const instructions = this.instructions(request.instructions)
    const tools = this.tools(request.tools)
    const messages = this.messages(request.messages)
    return { instructions, tools, messages, total: instructions + tools + messages + REQUEST_OVERHEAD }
  }

  /**
   * The tokens of one message, counted without the cache (for callers that keep their own counts:
   * a run counts each message of its history once, in order).
   */
  countMessage(message: Message): number {
    const tokenizer = this.tokenizer
    const count = (text: string) => tokenizer.count(text)
    let tokens = MESSAGE_OVERHEAD
    switch (message.role) {
      case 'system':
        return tokens + count(message.content)
      case 'tool':
        return tokens + count(message.toolName) + count(message.callId) + count(message.content)
      case 'user':
        if (typeof message.content === 'string') return tokens + count(message.content)
        for (const part of message.content) {
          tokens += part.type === 'text' ? count(part.text) : IMAGE_TOKENS
        }
        return tokens
      case 'assistant':
        if (typeof message.content === 'string') return tokens + count(message.content)
        for (const part of message.content) {
          if (part.type === 'text') tokens += count(part.text)
          else if (part.type === 'reasoning') tokens += count(part.text)
          else tokens += TOOL_CALL_OVERHEAD + count(part.name) + count(part.callId) + count(part.arguments)
        }
        return tokens
      default:
        message satisfies never
        return tokens
    }
  }
}

const counters = new WeakMap<Tokenizer, TokenCounter>()

/** The shared counter of a tokenizer, so its cache serves every run that uses it. */
export function counterFor(tokenizer: Tokenizer): TokenCounter {
  let counter = counters.get(tokenizer)
  if (counter === undefined) {
    counter = new TokenCounter(tokenizer)
    counters.set(tokenizer, counter)
  }
  return counter
}
