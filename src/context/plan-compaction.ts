import { ConfigError } from '../errors/errors.js'
import type { Message } from '../messages/message.js'
import type { Model } from '../model/model.js'
import type { ModelRequest } from '../model/model-request.js'
import type { ModelResponse } from '../model/model-response.js'
import { addUsage, emptyUsage, type Usage } from '../model/usage.js'
import type { CompactionOutcome, CompactionStrategy } from './compaction-strategy.js'
import { findBrokenToolPair } from './message-groups.js'
import type { TokenCounter } from './token-counter.js'

/** What one strategy did to the request. */
export interface CompactionStep {
  strategy: string
  tokensBefore: number
  tokensAfter: number
  removedMessages: number
  shrunkToolResults: number
  summarizedMessages: number
  /** Why the strategy did nothing, when it says. */
  note?: string
  /** Tokens the strategy spent calling a model (a summary), and that model (`provider:modelId`). */
  usage?: Usage
  model?: string
}

/** The compacted view of a conversation that compaction proposes to send. */
export interface CompactionPlan {
  /** The messages to send instead of the full history. */
  messages: Message[]
  /** Tokens of the whole request before and after. */
  tokensBefore: number
  tokensAfter: number
  budgetTokens: number
  /** Tokens of the system prompt, the tools and fixed overhead: compaction cannot reduce them. */
  fixedTokens: number
  /** The strategies that ran, in order. */
  steps: CompactionStep[]
  /** Tokens spent by strategies that called a model (summaries). */
  usage: Usage
}

/**
 * Runs the strategies in order on the messages until the request fits `budgetTokens` or every
 * strategy has run. Each strategy's result is checked (no tool call separated from its result) and
 * recounted. The plan may still be over budget: the caller decides what happens then.
 */
export async function planCompaction(options: {
  messages: readonly Message[]
  fixedTokens: number
  budgetTokens: number
  counter: TokenCounter
  strategies: readonly CompactionStrategy[]
  model: Model
  turn: number
  signal: AbortSignal
  memo: Map<string, unknown>
  /** How strategies call a model (default: `model.generate` with `signal`, no hooks). */
  generate?: (model: Model, request: ModelRequest) => Promise<ModelResponse>
}): Promise<CompactionPlan> {
  const { counter, fixedTokens, budgetTokens } = options
  const original = options.messages
  const checkPairs = findBrokenToolPair(original, original) === undefined
  let messages: readonly Message[] = original
  let messageTokens = counter.messages(messages)
  const tokensBefore = fixedTokens + messageTokens
  const steps: CompactionStep[] = []
  const usage = emptyUsage()
  const count = (message: Message) => counter.message(message)
  const generate =
    options.generate ??
    ((model: Model, request: ModelRequest) => model.generate(request, { signal: options.signal }))

  for (const strategy of options.strategies) {
    if (fixedTokens + messageTokens <= budgetTokens) break
    const result = await strategy.compact({
      messages,
      messageBudget: budgetTokens - fixedTokens,
      messageTokens,
      count,
      model: options.model,
      turn: options.turn,
      signal: options.signal,
      memo: options.memo,
      generate,
    })
    if (result === undefined) continue
    const outcome: CompactionOutcome = Array.isArray(result) ? { messages: result } : result
    if (!Array.isArray(outcome.messages)) {
      throw new ConfigError({
        message: `Compaction strategy "${strategy.name}" returned no message list; return the new messages, an outcome { messages }, or undefined.`,
      })
    }
    if (checkPairs) {
      const broken = findBrokenToolPair(original, outcome.messages)
      if (broken !== undefined) {
        throw new ConfigError({
          message: `Compaction strategy "${strategy.name}" broke the conversation: ${broken}. A strategy must remove or keep a tool call together with its result.`,
        })
      }
    }
    if (outcome.usage !== undefined) addUsage(usage, outcome.usage)
    const before = fixedTokens + messageTokens
    const previousLength = messages.length
    messages = outcome.messages
    messageTokens = counter.messages(messages)
    const step: CompactionStep = {
      strategy: strategy.name,
      tokensBefore: before,
      tokensAfter: fixedTokens + messageTokens,
      removedMessages: outcome.removedMessages ?? Math.max(0, previousLength - messages.length),
      shrunkToolResults: outcome.shrunkToolResults ?? 0,
      summarizedMessages: outcome.summarizedMessages ?? 0,
    }
    if (outcome.note !== undefined) step.note = outcome.note
    if (outcome.usage !== undefined) {
      step.usage = outcome.usage
      step.model = outcome.model ?? `${options.model.provider}:${options.model.modelId}`
    }
    steps.push(step)
  }
  return {
    messages: messages === original ? original.slice() : (messages as Message[]),
    tokensBefore,
    tokensAfter: fixedTokens + messageTokens,
    budgetTokens,
    fixedTokens,
    steps,
    usage,
  }
}
