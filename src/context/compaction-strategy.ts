import type { Message } from '../messages/message.js'
import type { Model } from '../model/model.js'
import type { ModelRequest } from '../model/model-request.js'
import type { ModelResponse } from '../model/model-response.js'
import type { Usage } from '../model/usage.js'
import type { MaybePromise } from '../util/types.js'

/** What a compaction strategy is given. */
export interface CompactionInput {
  /** The conversation as earlier strategies left it. Never mutate it: return a new list. */
  readonly messages: readonly Message[]
  /** Tokens the messages may use: the budget minus the system prompt, the tools and fixed overhead. */
  readonly messageBudget: number
  /** Tokens the messages use now. */
  readonly messageTokens: number
  /** Counts one message (cached per message object). */
  count(message: Message): number
  /** The agent's model (a summarising strategy may use it). */
  readonly model: Model
  /**
   * Calls a model on the run's behalf: a strategy that writes summaries calls its model through
   * this, not `model.generate`, so the call passes the run's `beforeModel` and `afterModel` hooks
   * (with `purpose: 'compaction'`: spending limits are checked before it is sent) and the run's
   * signal. A hook may refuse it by throwing (`BudgetExceededError`), which the strategy lets
   * through.
   */
  generate(model: Model, request: ModelRequest): Promise<ModelResponse>
  readonly turn: number
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal
  /**
   * Per-run storage for the strategy, kept across the turns of one run (for example a summary to
   * extend instead of writing it again). Keyed by the strategy's name.
   */
  readonly memo: Map<string, unknown>
}

/** What a strategy did. */
export interface CompactionOutcome {
  messages: Message[]
  /** Messages removed from the view (dropped or folded into a summary). */
  removedMessages?: number
  /** Tool results cut down. */
  shrunkToolResults?: number
  /** Messages replaced by a summary. */
  summarizedMessages?: number
  /** Tokens a strategy spent calling a model (added to the run's usage). */
  usage?: Usage
  /** The model those tokens were spent on, as `provider:modelId` (the usage ledger prices them). */
  model?: string
  /** Why the strategy could not help, when it changed nothing. */
  note?: string
}

/**
 * One step of compaction. It returns the new message list (or an outcome describing it), or
 * `undefined` when it has nothing to do. The runtime checks after every strategy that no tool call
 * was separated from its result and recounts the tokens.
 */
export interface CompactionStrategy {
  readonly name: string
  compact(input: CompactionInput): MaybePromise<CompactionOutcome | Message[] | undefined>
}

/** A strategy, or a bare function (named after the function). */
export type CompactionStrategyInput =
  | CompactionStrategy
  | ((input: CompactionInput) => MaybePromise<CompactionOutcome | Message[] | undefined>)

/** Normalises a strategy given as a function. */
export function toStrategy(input: CompactionStrategyInput): CompactionStrategy {
  if (typeof input === 'function') return { name: input.name || 'custom', compact: input }
  return input
}
