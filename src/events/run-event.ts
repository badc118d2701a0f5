/**
 * The events of a run: plain JSON objects discriminated on `type`, each with the run's id, a `seq`
 * that increases by one per event of the run, and the `time` (milliseconds since the epoch). They
 * observe; to change what a run does, use hooks.
 *
 * @module
 */
import type { BudgetExceeded } from '../errors/budget-exceeded-error.js'
import type { Message } from '../messages/message.js'
import type { FinishReason } from '../model/model-response.js'
import type { Usage } from '../model/usage.js'
import type { JsonValue } from '../util/json.js'
import type { DistributiveOmit } from '../util/types.js'

/**
 * Where a run stands. `completed`, `failed` and `cancelled` are final; `queued` is a submitted run
 * no worker has started yet (`runtime.submit`); `awaiting_input` is a runnable (a workflow's human
 * node, say) paused until `runtime.resume(runId, { input })` gives it an answer.
 */
export type RunStatus =
  | 'queued'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'awaiting_approval'
  | 'needs_review'
  | 'awaiting_input'

/** Token usage of a whole run, plus how many model and tool calls it made. */
export interface RunUsage extends Usage {
  modelCalls: number
  toolCalls: number
}

/** The fields every event carries. */
export interface EventBase {
  runId: string
  /** 1 for the first event of a run, then +1 per event. */
  seq: number
  /** Milliseconds since the Unix epoch. */
  time: number
}

export interface RunStartEvent extends EventBase {
  type: 'run.start'
  agent: string
  /** `provider:modelId` of the agent's model. */
  model: string
  /** The run's input messages (not the instructions, nor a session's history loaded before them). */
  input: Message[]
  /** Set when a stored run continues (`runtime.resume`); `input` is then empty. */
  resumed?: boolean
  /** The session the run belongs to (`session` run option), when it has one. */
  session?: string
  /**
   * What runs, when it is not a tool-loop agent: an LLM function call (`agentloop/functions`, whose
   * events reuse the run events), a runnable `{ name, run(ctx) }` or a step job run by the runtime.
   */
  kind?: 'function' | 'runnable' | 'steps'
  /**
   * Set on a nested run: the run that started it, and the tool call (an agent called as a tool) or
   * the workflow node (an agent node) that did.
   */
  parent?: RunParent
}

/** The run that started a nested run, and its tool call or workflow node. */
export type RunParent = { runId: string; callId: string } | { runId: string; nodeId: string }

export interface RunEndEvent extends EventBase {
  type: 'run.end'
  status: RunStatus
  /** The final output, when the run completed. */
  output?: JsonValue
  /** Name and message of the error, when the run failed or was cancelled. */
  error?: { name: string; message: string }
  usage: RunUsage
  turns: number
}

export interface TurnStartEvent extends EventBase {
  type: 'turn.start'
  turn: number
}

export interface TurnEndEvent extends EventBase {
  type: 'turn.end'
  turn: number
}

export interface ModelStartEvent extends EventBase {
  type: 'model.start'
  turn: number
  model: string
}

/** A tool call the model asked for, as `model.end` reports it. */
export interface ModelEndToolCall {
  /** The id the run uses for this call (the same in `tool.start`, `tool.end` and the result items). */
  callId: string
  toolName: string
  /** The raw JSON text of the arguments, as the model wrote it (not yet validated). */
  arguments: string
}

/**
 * A model call ended. Besides the finish reason and usage it carries the turn's completed answer,
 * so a consumer need not rebuild it from the deltas: the whole text, the reasoning and the tool
 * calls, as the run records them (after `afterModel` hooks).
 */
export interface ModelEndEvent extends EventBase {
  type: 'model.end'
  turn: number
  finishReason: FinishReason
  usage: Usage
  /** The turn's text: its text parts joined (`''` when the model only called tools). */
  text: string
  /** The turn's readable reasoning joined; absent when the model gave none. */
  reasoning?: string
  /** The tool calls of the turn, in the order the model made them (`[]` when none). */
  toolCalls: ModelEndToolCall[]
  /** The provider's raw response, only from adapters created with `includeRaw: true` (provider-specific). */
  raw?: JsonValue
  /** The model that answered, as the provider named it (may differ from the requested one), when reported. */
  responseModel?: string
  /** The provider's id of the response, when reported. */
  responseId?: string
}

export interface TextDeltaEvent extends EventBase {
  type: 'text.delta'
  turn: number
  delta: string
}

export interface ReasoningDeltaEvent extends EventBase {
  type: 'reasoning.delta'
  turn: number
  delta: string
}

export interface ToolArgsDeltaEvent extends EventBase {
  type: 'tool.args.delta'
  turn: number
  callId: string
  toolName: string
  delta: string
}

export interface ToolStartEvent extends EventBase {
  type: 'tool.start'
  turn: number
  callId: string
  toolName: string
  /** The validated arguments the tool runs with. */
  arguments: JsonValue
}

export interface ToolEndEvent extends EventBase {
  type: 'tool.end'
  turn: number
  callId: string
  toolName: string
  /** The result as the model sees it. */
  output: string
  isError: boolean
  durationMs: number
}

/** What one compaction strategy did, in a `context.compact` event. */
export interface CompactionStepSummary {
  strategy: string
  tokensBefore: number
  tokensAfter: number
  removedMessages: number
  shrunkToolResults: number
  summarizedMessages: number
  note?: string
  /** Tokens the strategy spent calling a model (a summary), and that model (`provider:modelId`). */
  usage?: Usage
  model?: string
}

/**
 * The request of a turn was over its token budget and was compacted before it was sent. The run's
 * history is unchanged: only what the model sees for this call is smaller.
 */
export interface ContextCompactEvent extends EventBase {
  type: 'context.compact'
  turn: number
  /** Tokens of the request before and after compaction. */
  tokensBefore: number
  tokensAfter: number
  budgetTokens: number
  /** The tokenizer that counted (`estimate` for the default estimator). */
  tokenizer: string
  /** Messages in the history, and in the compacted view sent to the model. */
  messagesBefore: number
  messagesAfter: number
  /** The strategies that ran, in order, and what each removed. */
  steps: CompactionStepSummary[]
  /** Set when a `beforeCompact` hook replaced the plan. */
  replacedByHook?: boolean
}

/**
 * The model declares no context window and the agent sets no `context.maxInputTokens`, so the run
 * uses the default budget (a 32,768-token window, see docs/context.md) rather than none. Sent
 * once per run, before its first model call.
 */
export interface ContextBudgetEvent extends EventBase {
  type: 'context.budget'
  turn: number
  /** Always `default` today: the budget was not configured. */
  source: 'default'
  budgetTokens: number
  /** The assumed context window. */
  contextWindow: number
  reserveOutputTokens: number
  /** What happened and how to set the real limit. */
  message: string
}

/**
 * A budget (of an owner, an API key, or the run's `maxTokens`) refused a model call before it was
 * sent; the run then fails with `BudgetExceededError` naming it.
 */
export interface BudgetExceededEvent extends EventBase {
  type: 'budget.exceeded'
  turn: number
  budget: BudgetExceeded
  /** The same sentence as the error's message. */
  message: string
}

/** A checkpoint of the run was saved to storage (durable runs only). */
export interface CheckpointSaveEvent extends EventBase {
  type: 'checkpoint.save'
  turn: number
  /** The stored revision after this save. */
  revision: number
  /** What was just completed: the run's start, a model response, a tool's start or result, or the end. */
  reason: 'start' | 'model' | 'tool.start' | 'tool.result' | 'handoff' | 'pause' | 'end'
}

/**
 * A resumed run loaded its stored state: the revision and status it continues from. Comes right
 * after `run.start` (with `resumed: true`).
 */
export interface CheckpointLoadEvent extends EventBase {
  type: 'checkpoint.load'
  turn: number
  /** The stored revision the run continues from. */
  revision: number
  /** The stored status it continues from (`awaiting_approval`, `failed`...). */
  status: RunStatus
  /** How many messages the loaded state holds. */
  messages: number
}

/** A run of a session read the session's history (its active branch) before its input. */
export interface SessionLoadEvent extends EventBase {
  type: 'session.load'
  sessionId: string
  /** How many messages the history holds. */
  messages: number
  /** The id of the last one (null: the session was empty or new). */
  headId: string | null
}

/** A completed run of a session appended its new messages to the session (in its last save). */
export interface SessionAppendEvent extends EventBase {
  type: 'session.append'
  sessionId: string
  /** How many messages were appended (the run's input and what it added). */
  messages: number
}

/** A tool call waits for a human decision; the run pauses with status `awaiting_approval`. */
export interface ApprovalRequestEvent extends EventBase {
  type: 'approval.request'
  turn: number
  callId: string
  toolName: string
  arguments: JsonValue
  /** `approval` when the tool needs approval; `review` when a non-idempotent tool was interrupted. */
  kind: 'approval' | 'review'
}

/**
 * A step of a runnable's step executor (`ctx.step`) or of a step job run by the runtime: the same
 * fields as the step job's own events, in the run's log.
 */
export interface RunStepEvent extends EventBase {
  type: 'step.start' | 'step.end' | 'step.retry' | 'step.skip' | 'step.fail' | 'step.progress'
  step: string
  index?: number
  attempt?: number
  attempts?: number
  durationMs?: number
  delayMs?: number
  checkpointed?: boolean
  progress?: number
  message?: string
  reason?: string
  error?: { name: string; message: string }
}

/**
 * A runnable paused for input (`ctx.pause(request)`): what it asks. The run then ends this stretch
 * with `run.end` status `awaiting_input`; `runtime.resume(runId, { input })` continues it.
 */
export interface InputRequestEvent extends EventBase {
  type: 'input.request'
  /** What the runnable asks (for a workflow: its waiting human nodes and their prompts). */
  request: JsonValue
}

/** A workflow run (`agentloop/workflows`) started, resumed or ended (see docs/workflows.md). */
export interface RunWorkflowEvent extends EventBase {
  type: 'workflow.start' | 'workflow.end'
  workflow: string
  /** `workflow.start`: whether the run continues from a saved state. */
  resumed?: boolean
  /** `workflow.end`: the workflow's status (`completed`, `awaiting_input`, `failed`...). */
  status?: string
  durationMs?: number
  output?: JsonValue
  error?: { name: string; message: string; nodeId?: string }
  /** Human nodes waiting for an answer (`awaiting_input`). */
  waiting?: { nodeId: string; prompt: JsonValue }[]
  /** Interrupted nodes to review (`needs_review`). */
  interrupted?: string[]
}

/** A node of a workflow run started, was retried or ended. */
export interface RunNodeEvent extends EventBase {
  type: 'node.start' | 'node.retry' | 'node.end'
  nodeId: string
  nodeType?: string
  /** `node.start`: 1 for the node's first pass, 2 for the second pass of a loop... */
  iteration?: number
  /** `node.end`: `completed`, `failed`, `waiting` (a human node paused) or `cancelled`. */
  status?: 'completed' | 'failed' | 'waiting' | 'cancelled'
  durationMs?: number
  attempts?: number
  /** `node.retry`: the attempt that failed. */
  attempt?: number
  delayMs?: number
  recovered?: boolean
  error?: { name: string; message: string }
  /** What a waiting human node asks. */
  prompt?: JsonValue
}

/**
 * An event of something a workflow node ran (its agent's `text.delta`, a sub-workflow's
 * `node.end`...), wrapped so that it never passes for the run's own (a nested `run.end` does not
 * end the run's stream): the original event without its `runId`, `seq` and `time`.
 */
export interface NodeNestedEvent extends EventBase {
  type: 'node.event'
  /** The node that ran it. */
  nodeId: string
  /** The nested run's own id, when it had one. */
  nodeRunId?: string
  event: { type: string; [field: string]: JsonValue }
}

/** An event a runnable emitted itself (`ctx.emit(name, data)`). */
export interface CustomEvent extends EventBase {
  type: 'custom'
  /** The name the runnable gave it. */
  name: string
  data?: JsonValue
}

/**
 * The model took a handoff: the run continues with another agent (its instructions, tools, model
 * and output schema). Saved before it is told, like every transition of a durable run.
 */
export interface AgentHandoffEvent extends EventBase {
  type: 'agent.handoff'
  turn: number
  /** The `transfer_to_<name>` call the model made. */
  callId: string
  /** The agent that handed off, and the one that answers from now on. */
  from: string
  to: string
}

/**
 * An event of a nested run (an agent called as a tool, `agent.asTool()`), forwarded into the
 * stream of the run that called it. A nested run's own nested events are forwarded as one event,
 * with the longer `path`.
 */
export interface NestedRunEvent extends EventBase {
  type: 'nested.event'
  /** The caller's turn, and the caller's tool call that runs the nested agent. */
  turn: number
  callId: string
  /** The agents from the outermost nested one down to the one that emitted `event`. */
  path: string[]
  /** The event as the nested run emitted it (its own `runId` and `seq`). */
  event: RunEvent
}

/** Any event of a run. */
export type RunEvent =
  | RunStartEvent
  | RunEndEvent
  | TurnStartEvent
  | TurnEndEvent
  | ModelStartEvent
  | ModelEndEvent
  | TextDeltaEvent
  | ReasoningDeltaEvent
  | ToolArgsDeltaEvent
  | ToolStartEvent
  | ToolEndEvent
  | ContextCompactEvent
  | ContextBudgetEvent
  | BudgetExceededEvent
  | CheckpointSaveEvent
  | CheckpointLoadEvent
  | SessionLoadEvent
  | SessionAppendEvent
  | ApprovalRequestEvent
  | RunStepEvent
  | InputRequestEvent
  | RunWorkflowEvent
  | RunNodeEvent
  | NodeNestedEvent
  | CustomEvent
  | AgentHandoffEvent
  | NestedRunEvent

/** The `type` of any run event. */
export type RunEventType = RunEvent['type']

/** An event before the runtime stamps it with `runId`, `seq` and `time`. */
export type RunEventData = DistributiveOmit<RunEvent, keyof EventBase>
