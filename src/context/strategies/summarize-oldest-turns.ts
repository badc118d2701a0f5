import { BudgetExceededError } from '../../errors/budget-exceeded-error.js'
import { errorMessage } from '../../errors/describe-error.js'
import { ConfigError } from '../../errors/errors.js'
import type { Message } from '../../messages/message.js'
import type { Model } from '../../model/model.js'
import type { CompactionInput, CompactionOutcome, CompactionStrategy } from '../compaction-strategy.js'
import { checkKeepOptions, type KeepOptions, replaceSelection, selectOldest } from './oldest-groups.js'
import { transcript } from './transcript.js'

/** Options of `summarizeOldestTurns`. */
export interface SummarizeOldestTurnsOptions extends KeepOptions {
  /** The model that writes summaries (default: the agent's). A cheaper model is a good choice. */
  model?: Model
  /** The longest summary, in tokens (default 1,000); the summary model's `maxOutputTokens`. */
  maxSummaryTokens?: number
  /** Characters of the old conversation sent to the summary model, the newest kept (default 200,000). */
  maxTranscriptChars?: number
  /** Instructions for the summary model (default: keep facts, decisions, open questions, tool findings). */
  instructions?: string
}

const NAME = 'summarize-oldest-turns'
const DEFAULT_INSTRUCTIONS =
  'You compress the start of a conversation between a user, an AI assistant and its tools so the assistant can continue without it. Write a concise summary that keeps every fact, number, name, decision, tool finding and open question the assistant may need. Write only the summary.'
export const SUMMARY_PREFIX = '[Summary of earlier messages, written to fit the context window]'

interface SummaryMemo {
  /** The last message the summary covers (identity). */
  last: Message
  /** How many messages it covers. */
  covered: number
  text: string
}

/**
 * Replaces the oldest messages (whole groups, as `dropOldestTurns` picks them) with one user
 * message holding a model-written summary of them. Within a run, a later turn extends the previous
 * summary with the newly removed messages instead of summarising everything again. The summary
 * model is called through `input.generate` (the run's model hooks: budgets are checked before it is
 * sent). If the summary call fails, the strategy changes nothing and the next strategy runs; a
 * refusal by a hook (`BudgetExceededError`) or a cancelled run is thrown instead.
 */
export function summarizeOldestTurns(options: SummarizeOldestTurnsOptions = {}): CompactionStrategy {
  checkKeepOptions(options, 'summarizeOldestTurns')
  const maxSummaryTokens = options.maxSummaryTokens ?? 1000
  if (!(Number.isInteger(maxSummaryTokens) && maxSummaryTokens > 0)) {
    throw new ConfigError({
      message: `summarizeOldestTurns: maxSummaryTokens must be a positive whole number; got ${String(options.maxSummaryTokens)}.`,
    })
  }
  const maxChars = options.maxTranscriptChars ?? 200_000
  return {
    name: NAME,
    async compact(input: CompactionInput): Promise<CompactionOutcome | undefined> {
      const excess = input.messageTokens - input.messageBudget
      if (excess <= 0) return undefined
      // Room for the summary itself: it replaces what is removed.
      const selection = selectOldest(input, options, excess + maxSummaryTokens + 30)
      if (selection.indexes.length === 0) return undefined
      const removed = selection.indexes.map((index) => input.messages[index] as Message)
      const previous = input.memo.get(NAME) as SummaryMemo | undefined
      const reuse = previous === undefined ? -1 : removed.indexOf(previous.last)
      let text: string
      let usage: CompactionOutcome['usage']
      let modelName: string | undefined
      if (previous !== undefined && reuse === removed.length - 1) {
        text = previous.text
      } else {
        const fresh = reuse === -1 ? removed : removed.slice(reuse + 1)
        const earlier = reuse === -1 ? undefined : previous?.text
        const model = options.model ?? input.model
        try {
          const response = await input.generate(model, {
            instructions: options.instructions ?? DEFAULT_INSTRUCTIONS,
            messages: [{ role: 'user', content: transcript(fresh, earlier, maxChars) }],
            tools: [],
            toolChoice: 'none',
            maxOutputTokens: maxSummaryTokens,
          })
          text = response.content
            .map((part) => (part.type === 'text' ? part.text : ''))
            .join('')
            .trim()
          usage = response.usage
          modelName = `${model.provider}:${model.modelId}`
        } catch (error) {
          // A cancelled run, or a hook refusing the call (a spending limit), is not a failed summary.
          if (input.signal.aborted || error instanceof BudgetExceededError) throw error
          return {
            messages: [...input.messages],
            note: `the summary model failed: ${errorMessage(error)}`,
          }
        }
        if (text === '') return { messages: [...input.messages], note: 'the summary model returned no text' }
        input.memo.set(NAME, { last: removed[removed.length - 1] as Message, covered: removed.length, text })
      }
      const summary: Message = { role: 'user', content: `${SUMMARY_PREFIX}\n${text}` }
      const outcome: CompactionOutcome = {
        messages: replaceSelection(input.messages, selection, summary),
        removedMessages: removed.length,
        summarizedMessages: removed.length,
      }
      if (usage !== undefined) outcome.usage = usage
      if (modelName !== undefined) outcome.model = modelName
      return outcome
    },
  }
}
