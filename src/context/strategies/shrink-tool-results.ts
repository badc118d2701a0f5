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
  /**
   * Also cut results below their limit, evenly from the largest down, until the request fits
   * (default false). The default chain ends with such a step as a last resort, after old turns
   * were dropped, for when the most recent tool results alone are too big.
   */
  untilFits?: boolean
  /** With `untilFits`, the fewest tokens a result is cut to (default 100). */
  minTokens?: number
}

const NAME = 'shrink-tool-results'
/** Tokens the cut marker adds, roughly; `untilFits` counts on it. */
const MARKER_TOKENS = 40
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

  checkLimit(options.minTokens, 'minTokens')
  const minTokens = options.minTokens ?? 100
  const name = options.untilFits === true ? `${NAME}-until-fits` : NAME

  return {
    name,
    compact(input: CompactionInput): CompactionOutcome | undefined {
      const fallback = options.maxTokens ?? Math.max(MIN_DEFAULT_TOKENS, Math.floor(input.messageBudget / 4))
      const limits = input.messages.map((message) =>
        message.role === 'tool'
          ? (options.perTool?.[message.toolName] ?? fallback)
          : Number.POSITIVE_INFINITY,
      )
      if (options.untilFits === true) lowerToFit(input, limits, minTokens)
      // The same original message is cut the same way on every turn: keep the cut copies.
      let cache = input.memo.get(name) as WeakMap<Message, { limit: number; cut: ToolMessage }> | undefined
      if (cache === undefined) {
        cache = new WeakMap()
        input.memo.set(name, cache)
      }
      let shrunk = 0
      const messages = input.messages.map((message, index) => {
        const limit = limits[index] as number
        if (message.role !== 'tool') return message
        const tokens = input.count(message)
        if (tokens <= limit) return message
        let entry = cache.get(message)
        if (entry?.limit !== limit) {
          entry = { limit, cut: { ...message, content: cutText(message, tokens, limit, tailShare, input) } }
          cache.set(message, entry)
        }
        shrunk++
        return entry.cut
      })
      if (shrunk === 0) return undefined
      return { messages, shrunkToolResults: shrunk }
    },
  }
}

/**
 * Lowers the limits of the largest tool results to one common level, so that cutting them frees
 * the tokens the request is over by (water-filling); never below `minTokens`.
 */
function lowerToFit(input: CompactionInput, limits: number[], minTokens: number): void {
  const sizes: { index: number; tokens: number }[] = []
  let total = 0
  input.messages.forEach((message, index) => {
    if (message.role !== 'tool') return
    const tokens = Math.min(input.count(message), limits[index] as number)
    total += input.count(message) - tokens
    sizes.push({ index, tokens })
  })
  const excess = input.messageTokens - total - input.messageBudget
  if (excess <= 0 || sizes.length === 0) return
  sizes.sort((a, b) => b.tokens - a.tokens)
  // Find the level L: the results above it give up (size - L) each, plus room for their markers.
  let level = minTokens
  let sum = 0
  for (let k = 0; k < sizes.length; k++) {
    sum += (sizes[k] as { tokens: number }).tokens
    const next = sizes[k + 1]?.tokens ?? minTokens
    const candidate = Math.floor((sum - excess - (k + 1) * MARKER_TOKENS) / (k + 1))
    if (candidate >= next) {
      level = Math.max(minTokens, candidate)
      break
    }
  }
  for (const size of sizes) if (size.tokens > level) limits[size.index] = level
}

function cutText(
  message: ToolMessage,
  tokens: number,
  limit: number,
  tailShare: number,
  input: CompactionInput,
): string {
  const text = message.content
  const overhead = input.count({ ...message, content: '' })
  const contentTokens = Math.max(1, tokens - overhead)
  const total = contentTokens.toLocaleString('en-US')
  let ratio = Math.max(0, (limit - overhead - 40) / contentTokens)
  // Token density varies along a text; tighten until the cut result fits (a few rounds at most).
  for (let round = 0; round < 6; round++) {
    const keep = Math.floor(text.length * ratio)
    const tail = Math.floor(keep * tailShare)
    const head = keep - tail
    const cut = (contentTokens - Math.round(contentTokens * ratio)).toLocaleString('en-US')
    const marker = `\n[... ${cut} of ${total} tokens cut from the middle of this tool result to fit the context window ...]\n`
    const content = text.slice(0, head) + marker + (tail > 0 ? text.slice(text.length - tail) : '')
    if (input.count({ ...message, content }) <= limit || keep === 0) return content
    ratio *= 0.8
  }
  return `[${total} tokens of this tool result were removed to fit the context window.]`
}

function checkLimit(value: number | undefined, field: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new ConfigError({
      message: `shrinkToolResults: ${field} must be a positive whole number of tokens; got ${String(value)}.`,
    })
  }
}
