/**
 * Hooks intercept a run: they may rewrite what goes to the model or a tool, veto a tool call, or
 * answer in place of the model or a tool. (To only observe, read the run's events.) Each hook gets
 * one event object and may return nothing (no change) or a change.
 *
 * Order: `before*` hooks run runtime hooks first, then agent hooks; `after*` hooks run agent hooks
 * first, then runtime hooks (the runtime wraps the agent). Each hook sees the previous one's
 * rewrite. Once a `before*` hook answers (a `response`, a `result` or a `deny`), the remaining
 * `before*` hooks of that step are skipped; the `after*` hooks still run.
 *
 * State hooks (`beforeSave`/`afterSave`, `beforeResume`/`afterResume`, `beforeSessionLoad`/
 * `afterSessionLoad`, `beforeSessionAppend`/`afterSessionAppend`) observe the run's stored state
 * and may refuse an operation (`{ veto: reason }`); they cannot change what is written.
 *
 * @module
 */
import type { CompactionPlan } from '../context/plan-compaction.js'
import type { CheckpointSaveEvent, RunStatus } from '../events/run-event.js'
import type { Message } from '../messages/message.js'
import type { ModelRequest } from '../model/model-request.js'
import type { ModelResponse } from '../model/model-response.js'
import type { MaybePromise } from '../util/types.js'

/** The fields every hook event has. */
export interface HookEventBase<TContext> {
  runId: string
  agentName: string
  /** The current turn, 1-based. */
  turn: number
  /** The run context (hooks are your code: they see it, the model does not). */
  context: TContext
}

/**
 * Why a run calls a model: `turn`, a turn of the agent; `compaction`, a summary that a compaction
 * strategy writes to fit the context (`summarizeOldestTurns`).
 */
export type ModelCallPurpose = 'turn' | 'compaction'

export interface BeforeModelEvent<TContext> extends HookEventBase<TContext> {
  request: ModelRequest
  /** A turn of the agent, or a compaction summary (its request is the summary model's, not the turn's). */
  purpose: ModelCallPurpose
  /** `provider:modelId` of the model the request goes to. */
  model?: string
  /**
   * What the call may use, as the context budget counted it: the request's input tokens, and the
   * output tokens it may write (`maxOutputTokens`, else the reserve). Spending limits check these
   * before anything is sent (throw `BudgetExceededError` to refuse the call).
   */
  tokens?: { input: number; reservedOutput: number }
}
/** Return `{ request }` to send a different request, or `{ response }` to answer without calling the model. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook without a return statement returns void
export type BeforeModelResult = { request?: ModelRequest; response?: ModelResponse } | undefined | void

export interface AfterModelEvent<TContext> extends HookEventBase<TContext> {
  request: ModelRequest
  /** A turn of the agent, or a compaction summary. */
  purpose: ModelCallPurpose
  response: ModelResponse
}
/** Return `{ response }` to replace the model's answer. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook without a return statement returns void
export type AfterModelResult = { response?: ModelResponse } | undefined | void

export interface BeforeToolEvent<TContext> extends HookEventBase<TContext> {
  callId: string
  toolName: string
  /** The validated arguments. */
  arguments: unknown
}
/**
 * Return `{ arguments }` to run the tool with other arguments (validated again), `{ deny: message }`
 * to refuse the call (the model sees the message as an error result), or `{ result }` to answer
 * without running the tool.
 */
export type BeforeToolResult =
  | { arguments: unknown }
  | { deny: string }
  | { result: unknown }
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook without a return statement returns void
  | void

export interface AfterToolEvent<TContext> extends HookEventBase<TContext> {
  callId: string
  toolName: string
  arguments: unknown
  /** The result as the model will see it. */
  output: string
  isError: boolean
}
/** Return `{ output }` (and optionally `isError`) to change what the model sees. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook without a return statement returns void
export type AfterToolResult = { output: string; isError?: boolean } | undefined | void

export interface BeforeCompactEvent<TContext> extends HookEventBase<TContext> {
  /** The request as built from the full history (over budget). */
  request: ModelRequest
  /** What the compaction strategies propose to send; `plan.tokensAfter` may still be over budget. */
  plan: CompactionPlan
}
/**
 * Return `{ veto: reason }` to refuse compaction (the run then fails with `ContextBudgetError`
 * before anything is sent), or `{ messages }` to send these messages instead of the plan's (they are
 * counted and checked against the budget like the plan's).
 */
export type BeforeCompactResult =
  | { veto: string }
  | { messages: Message[] }
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook without a return statement returns void
  | void

export interface AfterCompactEvent<TContext> extends HookEventBase<TContext> {
  /** The plan as the strategies made it. */
  plan: CompactionPlan
  /** The messages that will be sent, and their request's tokens. */
  messages: Message[]
  tokens: number
}

export interface ErrorHookEvent<TContext> extends HookEventBase<TContext> {
  /** Where it happened: a model call, a tool call (sent back to the model or failing the run), or the run. */
  phase: 'model' | 'tool' | 'run'
  error: unknown
  /** For `phase: 'tool'`. */
  callId?: string
  toolName?: string
}

/**
 * What a `before*` state hook returns: nothing to let the operation happen, or `{ veto: reason }`
 * to refuse it (the run fails with `HookVetoError` and nothing of the operation is written).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook without a return statement returns void
export type StateHookResult = { veto: string } | undefined | void

/** A checkpoint save of a durable run (`beforeSave`, `afterSave`). */
export interface SaveHookEvent<TContext> extends HookEventBase<TContext> {
  /** What the save records (as `checkpoint.save` reports it). */
  reason: CheckpointSaveEvent['reason']
  /** The run's status the save stores. */
  status: RunStatus
  /** The stored revision this save creates (`beforeSave`) or created (`afterSave`). */
  revision: number
}

/** The load of a stored run by `runtime.resume` (`beforeResume`, `afterResume`). */
export interface ResumeHookEvent<TContext> extends HookEventBase<TContext> {
  /** The stored revision the run continues from. */
  revision: number
  /** The stored status it continues from. */
  status: RunStatus
  /** How many messages the loaded state holds. */
  messages: number
}

/** The read of a session's history at the start of a run (`beforeSessionLoad`, `afterSessionLoad`). */
export interface SessionLoadHookEvent<TContext> extends HookEventBase<TContext> {
  sessionId: string
  /** `afterSessionLoad` only: the history read (the active branch), and the id of its last message. */
  messages?: readonly Message[]
  headId?: string | null
}

/** The append of a run's new messages to its session, in the run's last save (`beforeSessionAppend`, `afterSessionAppend`). */
export interface SessionAppendHookEvent<TContext> extends HookEventBase<TContext> {
  sessionId: string
  messages: readonly Message[]
}

/** A set of hooks; give one to an agent (`hooks`) or a runtime (`hooks`). Every hook is optional. */
export interface Hooks<TContext = unknown> {
  beforeModel?(event: BeforeModelEvent<TContext>): MaybePromise<BeforeModelResult>
  afterModel?(event: AfterModelEvent<TContext>): MaybePromise<AfterModelResult>
  beforeTool?(event: BeforeToolEvent<TContext>): MaybePromise<BeforeToolResult>
  afterTool?(event: AfterToolEvent<TContext>): MaybePromise<AfterToolResult>
  /** Runs when a request is over its token budget, after the strategies planned a compaction. */
  beforeCompact?(event: BeforeCompactEvent<TContext>): MaybePromise<BeforeCompactResult>
  /** Observes a compaction that will be sent. */
  afterCompact?(event: AfterCompactEvent<TContext>): MaybePromise<void>
  /** Observes failures; it cannot recover them. An error thrown here is ignored. */
  onError?(event: ErrorHookEvent<TContext>): MaybePromise<void>
  /** Before a durable run saves a checkpoint; `{ veto }` fails the run and writes nothing. */
  beforeSave?(event: SaveHookEvent<TContext>): MaybePromise<StateHookResult>
  /** After a checkpoint is saved, before its events are delivered. */
  afterSave?(event: SaveHookEvent<TContext>): MaybePromise<void>
  /** Before `runtime.resume` continues a loaded run; `{ veto }` rejects the resume, changing nothing. */
  beforeResume?(event: ResumeHookEvent<TContext>): MaybePromise<StateHookResult>
  /** After a resumed run's first save claimed it (it continues from `revision`). */
  afterResume?(event: ResumeHookEvent<TContext>): MaybePromise<void>
  /** Before a run reads its session's history; `{ veto }` fails the run before anything is written. */
  beforeSessionLoad?(event: SessionLoadHookEvent<TContext>): MaybePromise<StateHookResult>
  /** After the history is read (`messages`, `headId`). */
  afterSessionLoad?(event: SessionLoadHookEvent<TContext>): MaybePromise<void>
  /** Before the run's last save appends its messages to the session; `{ veto }` fails the run, writing nothing. */
  beforeSessionAppend?(event: SessionAppendHookEvent<TContext>): MaybePromise<StateHookResult>
  /** After the append is stored (with the run's last checkpoint). */
  afterSessionAppend?(event: SessionAppendHookEvent<TContext>): MaybePromise<void>
}
