/**
 * Every attribute, span event and metric name agentloop's tracing writes, in one place. The GenAI
 * names follow the OpenTelemetry GenAI semantic conventions (now in the
 * `open-telemetry/semantic-conventions-genai` repository, status Development); the published
 * `@opentelemetry/semantic-conventions` package marks them deprecated while they move, so they are
 * defined here instead of imported. Names of our own concepts (runs, checkpoints, workflow nodes,
 * step jobs) use the `agentloop.` prefix.
 *
 * @module
 */

/** GenAI attributes (OpenTelemetry GenAI semantic conventions). */
export const GEN_AI = {
  OPERATION_NAME: 'gen_ai.operation.name',
  PROVIDER_NAME: 'gen_ai.provider.name',
  REQUEST_MODEL: 'gen_ai.request.model',
  RESPONSE_MODEL: 'gen_ai.response.model',
  RESPONSE_ID: 'gen_ai.response.id',
  RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read.input_tokens',
  USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_creation.input_tokens',
  USAGE_REASONING_OUTPUT_TOKENS: 'gen_ai.usage.reasoning.output_tokens',
  AGENT_NAME: 'gen_ai.agent.name',
  WORKFLOW_NAME: 'gen_ai.workflow.name',
  CONVERSATION_ID: 'gen_ai.conversation.id',
  TOOL_NAME: 'gen_ai.tool.name',
  TOOL_CALL_ID: 'gen_ai.tool.call.id',
  TOOL_TYPE: 'gen_ai.tool.type',
  TOKEN_TYPE: 'gen_ai.token.type',
  // Content: only with `captureContent: true`, and then redacted and truncated.
  INPUT_MESSAGES: 'gen_ai.input.messages',
  OUTPUT_MESSAGES: 'gen_ai.output.messages',
  TOOL_CALL_ARGUMENTS: 'gen_ai.tool.call.arguments',
  TOOL_CALL_RESULT: 'gen_ai.tool.call.result',
} as const

/** `error.type`: the error's class name (`ModelError`, `RunTimeoutError`...) or `tool_error`. */
export const ERROR_TYPE = 'error.type'

/** Values of `gen_ai.operation.name`. */
export const OPERATION = {
  INVOKE_AGENT: 'invoke_agent',
  INVOKE_WORKFLOW: 'invoke_workflow',
  CHAT: 'chat',
  EXECUTE_TOOL: 'execute_tool',
} as const

/** agentloop's own attributes. */
export const AGENTLOOP = {
  RUN_ID: 'agentloop.run.id',
  RUN_STATUS: 'agentloop.run.status',
  RUN_RESUMED: 'agentloop.run.resumed',
  RUN_TURNS: 'agentloop.run.turns',
  RUN_MODEL_CALLS: 'agentloop.run.model_calls',
  RUN_TOOL_CALLS: 'agentloop.run.tool_calls',
  /** `agent` or `function` (an LLM function call). */
  RUN_KIND: 'agentloop.run.kind',
  TURN: 'agentloop.turn',
  ATTEMPT: 'agentloop.attempt',
  ATTEMPTS: 'agentloop.attempts',
  DELAY_MS: 'agentloop.retry.delay_ms',
  FAILURE_KIND: 'agentloop.function.failure.kind',
  JOB_ID: 'agentloop.job.id',
  JOB_NAME: 'agentloop.job.name',
  JOB_STATUS: 'agentloop.job.status',
  STEP_NAME: 'agentloop.step.name',
  STEP_INDEX: 'agentloop.step.index',
  STEP_CHECKPOINTED: 'agentloop.step.checkpointed',
  STEP_PROGRESS: 'agentloop.step.progress',
  NODE_ID: 'agentloop.workflow.node.id',
  NODE_TYPE: 'agentloop.workflow.node.type',
  NODE_ITERATION: 'agentloop.workflow.node.iteration',
  NODE_STATUS: 'agentloop.workflow.node.status',
  NODE_RECOVERED: 'agentloop.workflow.node.recovered',
  WORKFLOW_STATUS: 'agentloop.workflow.status',
  CHECKPOINT_REASON: 'agentloop.checkpoint.reason',
  CHECKPOINT_REVISION: 'agentloop.checkpoint.revision',
  APPROVAL_KIND: 'agentloop.approval.kind',
  COMPACT_TOKENS_BEFORE: 'agentloop.compaction.tokens_before',
  COMPACT_TOKENS_AFTER: 'agentloop.compaction.tokens_after',
  COMPACT_BUDGET_TOKENS: 'agentloop.compaction.budget_tokens',
  COMPACT_STRATEGIES: 'agentloop.compaction.strategies',
  COMPACT_MESSAGES_BEFORE: 'agentloop.compaction.messages_before',
  COMPACT_MESSAGES_AFTER: 'agentloop.compaction.messages_after',
  BUDGET_SOURCE: 'agentloop.context.budget.source',
  ERROR_MESSAGE: 'agentloop.error.message',
  /** The name of a runnable's own event (`ctx.emit(name, data)`); its data is never recorded. */
  EVENT_NAME: 'agentloop.event.name',
  HANDOFF_FROM: 'agentloop.handoff.from',
  HANDOFF_TO: 'agentloop.handoff.to',
} as const

/** Names of span events (things that happen inside a span). */
export const SPAN_EVENT = {
  RETRY: 'agentloop.retry',
  COMPACTION: 'agentloop.compaction',
  CONTEXT_BUDGET: 'agentloop.context.budget',
  CHECKPOINT: 'agentloop.checkpoint',
  APPROVAL_REQUEST: 'agentloop.approval.request',
  STEP_SKIP: 'agentloop.step.skip',
  STEP_PROGRESS: 'agentloop.step.progress',
  CUSTOM: 'agentloop.custom',
  HANDOFF: 'agentloop.handoff',
  RESUME: 'agentloop.resume',
  SESSION_LOAD: 'agentloop.session.load',
  SESSION_APPEND: 'agentloop.session.append',
  INPUT_REQUEST: 'agentloop.input.request',
} as const

/** The GenAI client metrics (histograms). */
export const METRIC = {
  TOKEN_USAGE: 'gen_ai.client.token.usage',
  OPERATION_DURATION: 'gen_ai.client.operation.duration',
} as const

/** Bucket boundaries the conventions advise for `gen_ai.client.token.usage` (tokens). */
export const TOKEN_USAGE_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
]

/** Bucket boundaries the conventions advise for `gen_ai.client.operation.duration` (seconds). */
export const OPERATION_DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
]
