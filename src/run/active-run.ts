import type { Agent } from '../agent/agent.js'
import type { ContextBudget } from '../context/budget.js'
import type { RunEventData, RunStatus } from '../events/run-event.js'
import type { HookChain } from '../hooks/hook-chain.js'
import type { Message } from '../messages/message.js'
import type { Model } from '../model/model.js'
import type { Tokenizer } from '../model/tokenizer.js'
import type { Checkpointer } from './checkpointer.js'
import type { RunServices } from './run-services.js'
import type { RunState } from './run-state.js'
import type { SessionHistory } from './session-history.js'

/**
 * What the steps of one run share while it executes: the state, the agent, the run context, the
 * cancellation signal, the hooks and the event emitter. Internal to the run loop.
 */
export interface ActiveRun<TContext, TOutput> {
  /** The agent that answers now (a handoff changes it, with `model`, `hooks` and `instructions`). */
  agent: Agent<TContext, TOutput>
  /** The model this run calls: the agent's, or the one its model reference resolved to. */
  model: Model
  readonly state: RunState
  readonly context: TContext
  /** Whether anything (a signal, a timeout, a stream consumer) can abort the run midway. */
  readonly abortable: boolean
  /** Aborted when the run is cancelled, times out, or fails. */
  readonly signal: AbortSignal
  hooks: HookChain<TContext>
  /** What the runtime lends the run: hooks and models of other agents (handoffs), nested runs. */
  readonly services: RunServices
  /**
   * The conversation as the active agent sees it when a handoff's input filter trimmed it: the
   * filtered messages before `upTo` (the run's messages from `upTo` on follow unchanged).
   */
  view?: { handoffs: number; upTo: number; messages: Message[] | undefined }
  /** The agent the run started with (its handoff graph holds every agent the run can reach). */
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output
  readonly entryAgent: Agent<any, any>
  /** The instructions resolved for this run (a function of the context is called once, at the start). */
  instructions: string | undefined
  readonly maxTurns: number
  /** Tool calls of one turn that may run at once. */
  readonly toolConcurrency: number
  /** Saves checkpoints when the runtime has storage (a durable run). */
  readonly checkpointer?: Checkpointer | undefined
  /** Decisions given to `resume` for tool calls awaiting approval or review, by call id. */
  readonly approvals?: ReadonlyMap<string, ApprovalDecision> | undefined
  /** Set when the run continues a stored run. */
  readonly resumed?: boolean
  /** A resumed run: the stored revision and status it continues from. */
  readonly resumedFrom?: { revision: number; status: RunStatus }
  /** The input may end with tool calls to run (`RunOptions.executeInputToolCalls`). */
  readonly executeInputToolCalls?: boolean
  /** Whether the runner retries the run after this error: then it does not end (it stays at its checkpoint). */
  readonly willRetry?: ((error: unknown) => boolean) | undefined
  /** Every tool call id of the run so far (built on first use): ids must be unique within a run. */
  callIds?: Set<string>
  /** The context budget's counts of this run's history, kept across its turns (created on first use). */
  historyCount?: HistoryCount
  /** The session messages the run started from (a run with a session): keys of their kept token counts. */
  sessionHistory?: SessionHistory
  /** What compaction strategies keep across the turns of this run (created on first use). */
  compactionMemo?: Map<string, unknown>
  /** Stamps and delivers an event; a returned promise means "wait: the consumer is behind". */
  emit(data: RunEventData): Promise<void> | undefined
}

/**
 * The token counts of the messages a run's requests started with, in order: the next turn's request
 * repeats them (the history only grows), so only the messages added since are counted.
 */
export interface HistoryCount {
  /** The tokenizer the counts are in, and the budget, for this model and output reserve. */
  tokenizer: Tokenizer
  model: Model
  maxOutputTokens: number | undefined
  budget: ContextBudget
  messages: readonly object[]
  counts: number[]
  total: number
}

/** The fields every hook event of this run carries, plus `fields`. */
export function hookEvent<T extends object>(run: ActiveRun<unknown, unknown>, fields: T) {
  return {
    runId: run.state.runId,
    agentName: run.agent.name,
    turn: run.state.turn,
    context: run.context,
    ...fields,
  }
}

/** A human decision on a tool call that awaits approval (or review, after an interrupted call). */
export interface ApprovalDecision {
  callId: string
  /** `true` runs the tool (again, for a review); `false` sends the model a rejection as the result. */
  approve: boolean
  /** Shown to the model with a rejection. */
  message?: string
}
