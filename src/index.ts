/**
 * agentloop: a small, provider-neutral, observable and durable runtime for LLM agents.
 *
 * @example
 * import { z } from 'zod'
 * import { Agent, run, tool } from 'agentloop'
 *
 * const add = tool({
 *   name: 'add', description: 'Add two numbers',
 *   parameters: z.object({ a: z.number(), b: z.number() }),
 *   execute: ({ a, b }) => a + b,
 * })
 * const agent = new Agent({ name: 'calc', instructions: 'Use tools.', model, tools: [add] })
 * const result = await run(agent, 'What is 2 + 3?')
 *
 * @module
 */
export { Agent, type AgentOptions, type Instructions, type OutputSchema } from './agent/agent.js'
export type { AgentToolOptions } from './agent/agent-tool.js'
export type { AgentTool, AgentToolArguments } from './agent/agent-tool-marker.js'
export {
  type Handoff,
  type HandoffInputFilter,
  type HandoffInputFilterEvent,
  type HandoffOptions,
  handoff,
} from './agent/handoff.js'
export type { ContextBudget } from './context/budget.js'
export type {
  CompactionInput,
  CompactionOutcome,
  CompactionStrategy,
  CompactionStrategyInput,
} from './context/compaction-strategy.js'
export type { ContextOptions, ContextSettings } from './context/context-options.js'
export { estimateTokenizer } from './context/estimate-tokenizer.js'
export { openaiTokenizer } from './context/openai-tokenizer.js'
export type { CompactionPlan, CompactionStep } from './context/plan-compaction.js'
export { type DropOldestTurnsOptions, dropOldestTurns } from './context/strategies/drop-oldest-turns.js'
export type { KeepOptions } from './context/strategies/oldest-groups.js'
export { type ShrinkToolResultsOptions, shrinkToolResults } from './context/strategies/shrink-tool-results.js'
export {
  type SummarizeOldestTurnsOptions,
  summarizeOldestTurns,
} from './context/strategies/summarize-oldest-turns.js'
// LLM functions (agentloop/functions): the attempt records their errors carry.
export type { FunctionAttempt, FunctionAttemptFailure, FunctionErrorDetails } from './errors/errors.js'
export {
  AgentLoopError,
  type AgentLoopErrorOptions,
  ConfigError,
  ContextBudgetError,
  HookVetoError,
  MaxRetriesExceededError,
  MaxTurnsExceededError,
  ModelError,
  RunCancelledError,
  RunTimeoutError,
  SandboxError,
  ToolError,
  ValidationFailedError,
  type ValidationIssue,
} from './errors/errors.js'
export type {
  AgentHandoffEvent,
  ApprovalRequestEvent,
  CheckpointLoadEvent,
  CheckpointSaveEvent,
  CompactionStepSummary,
  ContextCompactEvent,
  CustomEvent,
  EventBase,
  InputRequestEvent,
  ModelEndEvent,
  ModelStartEvent,
  NestedRunEvent,
  NodeNestedEvent,
  ReasoningDeltaEvent,
  RunEndEvent,
  RunEvent,
  RunEventData,
  RunEventType,
  RunNodeEvent,
  RunParent,
  RunStartEvent,
  SessionAppendEvent,
  SessionLoadEvent,
  RunStatus,
  RunStepEvent,
  RunUsage,
  RunWorkflowEvent,
  TextDeltaEvent,
  ToolArgsDeltaEvent,
  ToolEndEvent,
  ToolStartEvent,
  TurnEndEvent,
  TurnStartEvent,
} from './events/run-event.js'
export type { RunObserver } from './events/run-observer.js'
export type { HooksInput } from './hooks/hook-chain.js'
export type {
  AfterCompactEvent,
  AfterModelEvent,
  AfterModelResult,
  AfterToolEvent,
  AfterToolResult,
  BeforeCompactEvent,
  BeforeCompactResult,
  BeforeModelEvent,
  BeforeModelResult,
  BeforeToolEvent,
  BeforeToolResult,
  ErrorHookEvent,
  HookEventBase,
  Hooks,
  ModelCallPurpose,
  ResumeHookEvent,
  SaveHookEvent,
  SessionAppendHookEvent,
  SessionLoadHookEvent,
  StateHookResult,
} from './hooks/hooks.js'
export {
  type HistoryBuilder,
  type HistoryValidationOptions,
  history,
  validateHistory,
} from './messages/history.js'
export {
  type AssistantMessage,
  type AssistantPart,
  type ImagePart,
  type Message,
  messageText,
  type ProviderMetadata,
  type ReasoningPart,
  type SystemMessage,
  type TextPart,
  type ToolCallPart,
  type ToolMessage,
  toolCallsOf,
  type UserMessage,
  type UserPart,
} from './messages/message.js'
export type {
  CircuitBreaker,
  CircuitPermit,
  CircuitTarget,
} from './model/circuit-breaker.js'
export type { CircuitBreakerOptions } from './model/circuit-breaker-options.js'
export type {
  CircuitBreakerModel,
  CircuitBreakers,
  CircuitBreakersOptions,
} from './model/circuit-breakers.js'
export type {
  CircuitChangeReason,
  CircuitFailure,
  CircuitSnapshot,
  CircuitState,
  CircuitStateChange,
} from './model/circuit-state.js'
export type { EmbeddingModel, EmbedOptions, EmbedResult } from './model/embedding-model.js'
export { knownCapabilities } from './model/known-capabilities.js'
export type { Model, ModelCapabilities } from './model/model.js'
export {
  createModelRegistry,
  type ModelFactory,
  type ModelRegistry,
  type ModelRegistryOptions,
} from './model/model-registry.js'
export type {
  JsonSchema,
  ModelCallOptions,
  ModelCallRequest,
  ModelOutputSpec,
  ModelRequest,
  ModelSettings,
  ModelTool,
  ToolChoice,
} from './model/model-request.js'
export type { FinishReason, ModelResponse } from './model/model-response.js'
export type { ModelStreamPart } from './model/model-stream-part.js'
export { collectResponse } from './model/response-collector.js'
export type { Tokenizer } from './model/tokenizer.js'
export type { Usage } from './model/usage.js'
export type { ApprovalDecision } from './run/active-run.js'
export { run, stream } from './run/run.js'
export type { RunInput } from './run/run-input.js'
export type { RunItem } from './run/run-item.js'
export type { CompletedRunResult, Interruption, PausedRunResult, RunResult } from './run/run-result.js'
export type {
  HandoffRecord,
  NestedCallRecord,
  NestedWaiting,
  RunState,
  ToolCallRecord,
} from './run/run-state.js'
export type { RunStream } from './run/run-stream.js'
export { Runtime } from './run/runtime.js'
export type { ResumeOptions, RunOptions, RuntimeOptions } from './run/runtime-options.js'
export {
  type ControlMessage,
  createInProcessEventBus,
  type EventBus,
  type RunEndNotice,
  type Unsubscribe,
} from './run/event-bus.js'
export {
  createInProcessQueue,
  type InProcessQueueOptions,
  type QueuedRun,
  type RunHandler,
  type RunQueue,
} from './run/run-queue.js'
export type {
  RegisteredRunnable,
  Runnable,
  RunnableContext,
  RunnableInput,
  RunnablePause,
  RunnablePauseStatus,
  RunnableRegistry,
  RunnableSource,
  RunnableStepContext,
  RunnableStepOptions,
} from './run/runnable.js'
export type { RunnableRunOptions } from './run/run-runnable.js'
export type { RunnableSnapshot } from './run/runnable-journal.js'
export type { SubmitOptions } from './run/submit-run.js'
export type { RunnerSettings } from './run/runner-settings.js'
export type { JobResult, JobRunOptions } from './steps/execute-job.js'
export type {
  RetryDelay,
  StepContext,
  StepDefinition,
  StepOptions,
  StepOutput,
} from './steps/step-definition.js'
export { StepFailedError, StepTimeoutError } from './steps/step-errors.js'
export type {
  JobEndEvent,
  JobStartEvent,
  JobStatus,
  StepEndEvent,
  StepEvent,
  StepEventBase,
  StepEventData,
  StepEventType,
  StepFailEvent,
  StepProgressEvent,
  StepRetryEvent,
  StepSkipEvent,
  StepStartEvent,
} from './steps/step-event.js'
export {
  type JobInfo,
  type JobStream,
  type NoResults,
  type StepJob,
  type StepsOptions,
  steps,
} from './steps/steps.js'
export {
  AUDIT_EVENT_TYPES,
  type AuditEntry,
  type AuditEventType,
  type AuditRepository,
  ERROR_SEVERITIES,
  type ErrorRecord,
  type ErrorSeverity,
  type Metric,
  type TimeRange,
} from './storage/audit-repository.js'
export {
  type Embedding,
  FACT_TYPES,
  type Fact,
  type FactType,
  type KnowledgeRepository,
  type SimilarityMatch,
  type Summary,
} from './storage/knowledge-repository.js'
export { createMemoryStorage } from './storage/memory/create-memory-storage.js'
export type { MemoryEntry, MemoryRepository, MemoryScope, MemoryTarget } from './storage/memory-repository.js'
export type {
  ListRunsOptions,
  RunCheckpoint,
  RunRecord,
  RunRepository,
  RunSnapshot,
  SavedRun,
  SaveRunInput,
} from './storage/run-repository.js'
export type {
  Branch,
  CreateSessionInput,
  Session,
  SessionEntry,
  SessionReadOptions,
  SessionRepository,
} from './storage/session-repository.js'
export type { Storage } from './storage/storage.js'
export {
  RecordNotFoundError,
  StorageConflictError,
  StorageError,
  StoredDataError,
} from './storage/storage-errors.js'
export type {
  CreateTaskInput,
  Task,
  TaskChanges,
  TaskRepository,
  TaskStatus,
} from './storage/task-repository.js'
export type { ParametersOf, ParameterType, ToolParameter } from './tool/parameter-list.js'
export type { InferSchema, SchemaInput, ValidationResult } from './tool/schema.js'
export { type Tool, type ToolContext, type ToolDefinition, type ToolErrorMode, tool } from './tool/tool.js'
export type { ToolSource } from './tool/tool-source.js'
export {
  type AnthropicToolDefinition,
  createToolRegistry,
  type OpenAIChatToolDefinition,
  type OpenAIResponsesToolDefinition,
  type ToolExecuteOptions,
  type ToolExecution,
  type ToolRegistry,
} from './tool/tool-registry.js'
export { type WorkerToolDefinition, type WorkerToolInfo, workerTool } from './tool/worker-tool.js'
export type { JsonObject, JsonValue } from './util/json.js'
