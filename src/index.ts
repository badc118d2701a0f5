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
export {
  AgentLoopError,
  type AgentLoopErrorOptions,
  ConfigError,
  ContextBudgetError,
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
export { createEventChannel, type EventChannel } from './events/event-channel.js'
export type {
  EventBase,
  ModelEndEvent,
  ModelStartEvent,
  ReasoningDeltaEvent,
  RunEndEvent,
  RunEvent,
  RunEventData,
  RunEventType,
  RunStartEvent,
  RunStatus,
  RunUsage,
  TextDeltaEvent,
  ToolArgsDeltaEvent,
  ToolEndEvent,
  ToolStartEvent,
  TurnEndEvent,
  TurnStartEvent,
} from './events/run-event.js'
export type { HooksInput } from './hooks/hook-chain.js'
export type {
  AfterModelEvent,
  AfterModelResult,
  AfterToolEvent,
  AfterToolResult,
  BeforeModelEvent,
  BeforeModelResult,
  BeforeToolEvent,
  BeforeToolResult,
  ErrorHookEvent,
  HookEventBase,
  Hooks,
} from './hooks/hooks.js'
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
export type { Model, ModelCapabilities } from './model/model.js'
export type {
  JsonSchema,
  ModelCallOptions,
  ModelOutputSpec,
  ModelRequest,
  ModelSettings,
  ModelTool,
  ToolChoice,
} from './model/model-request.js'
export type { FinishReason, ModelResponse } from './model/model-response.js'
export type { ModelStreamPart } from './model/model-stream-part.js'
export {
  collectResponse,
  createResponseCollector,
  type ResponseCollector,
} from './model/response-collector.js'
export { addUsage, emptyUsage, type Usage } from './model/usage.js'
export { getDefaultRuntime, run, stream } from './run/run.js'
export type { RunInput } from './run/run-input.js'
export type { RunItem } from './run/run-item.js'
export type { CompletedRunResult, Interruption, PausedRunResult, RunResult } from './run/run-result.js'
export type { RunState } from './run/run-state.js'
export type { RunStream } from './run/run-stream.js'
export { type RunOptions, Runtime, type RuntimeOptions } from './run/runtime.js'
export type { ParametersOf, ParameterType, ToolParameter } from './tool/parameter-list.js'
export type { InferSchema, SchemaInput, ValidationResult } from './tool/schema.js'
export { type Tool, type ToolContext, type ToolDefinition, type ToolErrorMode, tool } from './tool/tool.js'
export { type JsonObject, type JsonValue, parseJson } from './util/json.js'
// LLM functions (agentloop/functions): the attempt records their errors carry.
export type { FunctionAttempt, FunctionAttemptFailure, FunctionErrorDetails } from './errors/errors.js'
