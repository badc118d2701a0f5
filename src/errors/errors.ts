/**
 * The error classes of agentloop. Every error thrown by the library is an {@link AgentLoopError};
 * subclasses are named for what went wrong and, by that, for who must act: the caller
 * ({@link ConfigError}), the model ({@link ValidationFailedError}), the provider API
 * ({@link ModelError}), a tool ({@link ToolError}) or a limit ({@link MaxTurnsExceededError},
 * {@link RunTimeoutError}, {@link ContextBudgetError}).
 *
 * @module
 */
import type { Message } from '../messages/message.js'
import type { Usage } from '../model/usage.js'

/** Options every agentloop error accepts. */
export interface AgentLoopErrorOptions {
  /** What happened and what to do about it. */
  message: string
  /** The underlying error, kept as the ES2022 `cause`. */
  cause?: unknown
}

/** The root of every error agentloop throws; `instanceof AgentLoopError` catches them all. */
export class AgentLoopError extends Error {
  constructor(options: AgentLoopErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
  }

  /** A plain JSON view of the error, safe to put in an event or a log line. */
  toJSON(): { name: string; message: string } {
    return { name: this.name, message: this.message }
  }
}

/** The caller configured something wrongly: a bad option, a missing field, an invalid tool. */
export class ConfigError extends AgentLoopError {}

/** A run used more turns than its `maxTurns` allows. */
export class MaxTurnsExceededError extends AgentLoopError {
  readonly maxTurns: number
  constructor(options: { maxTurns: number; cause?: unknown }) {
    super({
      message: `The run used all ${options.maxTurns} turns allowed by maxTurns without a final answer. Raise maxTurns (agent option or run option) or make the instructions lead to an answer sooner.`,
      cause: options.cause,
    })
    this.maxTurns = options.maxTurns
  }
}

/** A model call would not fit the context window even after compaction. */
export class ContextBudgetError extends AgentLoopError {
  /** Tokens the request would use (after compaction). */
  readonly inputTokens: number
  /** Tokens it may use. */
  readonly budgetTokens: number
  /** The model's context window, when known. */
  readonly contextWindow: number | undefined
  /** Tokens kept free for the answer. */
  readonly reserveOutputTokens: number | undefined
  /** The compaction strategies that ran before giving up. */
  readonly strategies: readonly string[]
  constructor(
    options: AgentLoopErrorOptions & {
      inputTokens: number
      budgetTokens: number
      contextWindow?: number | undefined
      reserveOutputTokens?: number | undefined
      strategies?: readonly string[]
    },
  ) {
    super(options)
    this.inputTokens = options.inputTokens
    this.budgetTokens = options.budgetTokens
    this.contextWindow = options.contextWindow
    this.reserveOutputTokens = options.reserveOutputTokens
    this.strategies = options.strategies ?? []
  }
}

/** A tool failed in a way the run cannot hand back to the model (a tool configured to fail the run). */
export class ToolError extends AgentLoopError {
  readonly toolName: string
  readonly callId: string
  constructor(options: AgentLoopErrorOptions & { toolName: string; callId: string }) {
    super(options)
    this.toolName = options.toolName
    this.callId = options.callId
  }
}

/** A provider API call failed. `isRetryable` says whether trying again may help. */
export class ModelError extends AgentLoopError {
  readonly provider: string
  /** The HTTP status of the failed request; undefined for connection failures and timeouts. */
  readonly statusCode: number | undefined
  readonly isRetryable: boolean
  /** The provider's own error code, such as `rate_limit_exceeded` (or its type when it sent no code). */
  readonly code: string | undefined
  /** The provider's error type, such as `invalid_request_error` or `overloaded_error`. */
  readonly type: string | undefined
  /** The provider's id of the failed request (`x-request-id`, Anthropic `request-id`): quote it to support. */
  readonly requestId: string | undefined
  /** How long the provider (its `Retry-After`) or an open circuit breaker asked callers to wait, in ms. */
  readonly retryAfterMs: number | undefined
  constructor(
    options: AgentLoopErrorOptions & {
      provider: string
      statusCode?: number | undefined
      isRetryable?: boolean
      code?: string | undefined
      type?: string | undefined
      requestId?: string | undefined
      retryAfterMs?: number | undefined
    },
  ) {
    super(options)
    this.provider = options.provider
    this.statusCode = options.statusCode
    this.isRetryable = options.isRetryable ?? false
    this.code = options.code
    this.type = options.type
    this.requestId = options.requestId
    this.retryAfterMs = options.retryAfterMs
  }
}

/**
 * A `before*` state hook (`beforeSave`, `beforeResume`, `beforeSessionLoad`,
 * `beforeSessionAppend`) refused the operation: the run fails (or the resume is refused) and
 * nothing of that operation is written.
 */
export class HookVetoError extends AgentLoopError {
  /** The hook that refused. */
  readonly hook: string
  /** The reason it gave. */
  readonly reason: string
  constructor(options: { hook: string; reason: string; what: string }) {
    super({
      message: `A ${options.hook} hook refused ${options.what}: ${options.reason}. Nothing of it was written.`,
    })
    this.hook = options.hook
    this.reason = options.reason
  }
}

/** The run was cancelled through its `AbortSignal`, or its stream consumer stopped early. */
export class RunCancelledError extends AgentLoopError {
  constructor(options: Partial<AgentLoopErrorOptions> = {}) {
    super({ message: options.message ?? 'The run was cancelled by its AbortSignal.', cause: options.cause })
  }
}

/** The run did not finish within its `timeoutMs`. */
export class RunTimeoutError extends AgentLoopError {
  readonly timeoutMs: number
  constructor(options: { timeoutMs: number; cause?: unknown }) {
    super({
      message: `The run did not finish within timeoutMs = ${options.timeoutMs} ms. Raise timeoutMs or give the tools their own shorter timeouts.`,
      cause: options.cause,
    })
    this.timeoutMs = options.timeoutMs
  }
}

/** One problem found while validating a value, with the path of the offending field. */
export interface ValidationIssue {
  path: (string | number)[]
  message: string
}

/** Why one attempt of an LLM function was rejected. */
export interface FunctionAttemptFailure {
  /** `parse`: not JSON / no value; `schema`: failed the output schema; `check`: a post-condition failed; `sandbox`: the code failed. */
  kind: 'parse' | 'schema' | 'check' | 'sandbox'
  /** What was wrong, as the model was told. */
  message: string
  /** The schema problems, for `schema` failures. */
  issues?: ValidationIssue[]
  /** The name of the failed check, for `check` failures. */
  check?: string
  /** The `SandboxError` kind, for `sandbox` failures. */
  sandboxKind?: string
}

/** One attempt of an LLM function: what was asked, what came back, and why it was rejected (if it was). */
export interface FunctionAttempt {
  /** 1 for the first attempt. */
  attempt: number
  /** The prompt: the system instructions and the messages sent (earlier answers and feedback included). */
  prompt: { instructions?: string; messages: Message[] }
  /** The model's raw answer. */
  answer: string
  /** In code mode, the snippet that ran in the sandbox. */
  code?: string
  /** The parsed value (JSON answer or the snippet's result), when there was one. */
  value?: unknown
  failure?: FunctionAttemptFailure
  usage: Usage
  durationMs: number
}

/** What the errors of an LLM function carry besides their message. */
export interface FunctionErrorDetails {
  /** The LLM function's name. */
  functionName?: string
  /** Every attempt, in order; the last one holds the final failure. */
  history?: FunctionAttempt[]
  /** Token usage summed over all attempts. */
  usage?: Usage
  /** The LLM function's `maxRetries`: at most `maxRetries + 1` attempts were allowed. */
  maxRetries?: number
}

/** A value (a final output, an LLM function's answer) failed its schema or checks. */
export class ValidationFailedError extends AgentLoopError {
  readonly issues: ValidationIssue[]
  /** The raw value that failed, as text. */
  readonly value: string | undefined
  /** The LLM function whose answer failed, if any. */
  readonly functionName: string | undefined
  /** The LLM function's attempts (empty for an agent's final output). */
  readonly history: FunctionAttempt[]
  /** Token usage summed over the attempts, for an LLM function. */
  readonly usage: Usage | undefined
  /** For an LLM function: the number (1-based) of the attempt whose answer failed. */
  readonly attempt: number | undefined
  /** For an LLM function: its `maxRetries`, so `Attempts: ${attempt}/${maxRetries + 1}` can be printed. */
  readonly maxRetries: number | undefined
  constructor(
    options: AgentLoopErrorOptions &
      FunctionErrorDetails & { issues: ValidationIssue[]; value?: string; attempt?: number },
  ) {
    super(options)
    this.issues = options.issues
    this.value = options.value
    this.functionName = options.functionName
    this.history = options.history ?? []
    this.usage = options.usage
    this.attempt = options.attempt
    this.maxRetries = options.maxRetries
  }
}

/** Something was retried as often as allowed and still failed; `cause` holds the last failure. */
export class MaxRetriesExceededError extends AgentLoopError {
  /** How many attempts were made. */
  readonly attempts: number
  /** The LLM function that gave up, if any. */
  readonly functionName: string | undefined
  /** Every attempt, in order. */
  readonly history: FunctionAttempt[]
  /** Token usage summed over the attempts. */
  readonly usage: Usage | undefined
  /** The retries allowed (`attempts` is at most `maxRetries + 1`), when known. */
  readonly maxRetries: number | undefined
  constructor(options: AgentLoopErrorOptions & FunctionErrorDetails & { attempts: number }) {
    super(options)
    this.attempts = options.attempts
    this.functionName = options.functionName
    this.history = options.history ?? []
    this.usage = options.usage
    this.maxRetries = options.maxRetries
  }
}

/** Code run in the sandbox failed: timeout, memory, syntax, runtime, or an output too large. */
export class SandboxError extends AgentLoopError {
  readonly kind: 'timeout' | 'memory' | 'syntax' | 'runtime' | 'output'
  constructor(options: AgentLoopErrorOptions & { kind: SandboxError['kind'] }) {
    super(options)
    this.kind = options.kind
  }
}

// Reading a thrown value defensively has its own module; existing imports keep working.
export { describeError } from './describe-error.js'
