import { ConfigError } from '../../errors/errors.js'
import type { Message, ToolMessage } from '../../messages/message.js'
import type { CompactionInput, CompactionOutcome, CompactionStrategy } from '../compaction-strategy.js'

/** Options of `shrinkToolResults`. */
export interface ShrinkToolResultsOptions {
  /**
   * The most tokens one tool result may keep (default: a quarter of the tokens available for
   * messages, at least 256).
   */
  maxTokens?: number
  /** Limits for named tools, overriding `maxTokens`: `{ search: 500 }`. */
  perTool?: Readonly<Record<string, number>>
  /** The share of the kept text taken from the end of the result (default 0.3); the rest from its start. */
  tailShare?: number
}

const NAME = 'shrink-tool-results'
const MIN_DEFAULT_TOKENS = 256

/**
 * Cuts oversized tool results down to their start and end, with a marker in the middle saying how
 * much was cut. The first strategy of the default chain: a huge tool output is the usual reason a
 * request overflows.
 */
export function shrinkToolResults(options: ShrinkToolResultsOptions = {}): CompactionStrategy {
  const tailShare = options.tailShare ?? 0.3
  if (!(tailShare >= 0 && tailShare <= 1)) {
    throw new ConfigError({
      message: `shrinkToolResults: tailShare must be between 0 and 1; got ${tailShare}.`,
    })
  }
  checkLimit(options.maxTokens, 'maxTokens')
  for (const [name, limit] of Object.entries(options.perTool ?? {})) checkLimit(limit, `perTool.${name}`)

  return {
    name: NAME,
    compact(input: CompactionInput): CompactionOutcome | undefined {
      const fallback = options.maxTokens ?? Math.max(MIN_DEFAULT_TOKENS, Math.floor(input.messageBudget / 4))
      // The same original message is cut the same way on every turn: keep the cut copies.
      let cache = input.memo.get(NAME) as WeakMap<Message, ToolMessage> | undefined
      if (cache === undefined) {
        cache = new WeakMap()
        input.memo.set(NAME, cache)
      }
      let shrunk = 0
      const messages = input.messages.map((message) => {
        if (message.role !== 'tool') return message
        const limit = options.perTool?.[message.toolName] ?? fallback
        const tokens = input.count(message)
        if (tokens <= limit) return message
        let cut = cache.get(message)
        if (cut === undefined) {
          cut = { ...message, content: cutText(message, tokens, limit, tailShare, input) }
          cache.set(message, cut)
        }
        shrunk++
        return cut
      })
      if (shrunk === 0) return undefined
      return { messages, shrunkToolResults: shrunk }
    },
  }
}

function cutText(
  message: ToolMessage,
  tokens: number,
  limit: number,
  tailShare: number,
  input: CompactionInput,
): string {
  const text = message.content
  const overhead = tokens - input.count({ ...message, content: '' })
  let ratio = Math.max(0, (limit - overhead - 40) / Math.max(1, tokens - overhead))
  // Token density varies along a text; tighten until the cut result fits (a few rounds at most).
  for (let round = 0; round < 6; round++) {
    const keep = Math.floor(text.length * ratio)
    const tail = Math.floor(keep * tailShare)
    const head = keep - tail
    const cutTokens = tokens - overhead - Math.round((tokens - overhead) * ratio)
    const marker = `\n[... ${cutTokens.toLocaleString('en-US')} of ${(tokens - overhead).toLocaleString('en-US')} tokens cut from the middle of this tool result to fit the context window ...]\n`
    const content = text.slice(0, head) + marker + (tail > 0 ? text.slice(text.length - tail) : '')
    if (input.count({ ...message, content }) <= limit || keep === 0) return content
    ratio *= 0.8
  }
  return `[${(tokens - overhead).toLocaleString('en-US')} tokens of this tool result were removed to fit the context window.]`
}

function checkLimit(value: number | undefined, field: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new ConfigError({
      message: `shrinkToolResults: ${field} must be a positive whole number of tokens; got ${String(value)}.`,
    })
  }
}
