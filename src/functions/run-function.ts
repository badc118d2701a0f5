import { BudgetExceededError } from '../errors/budget-exceeded-error.js'
import { describeError, errorMessage, isInstanceOf } from '../errors/describe-error.js'
import {
  AgentLoopError,
  type FunctionAttempt,
  MaxRetriesExceededError,
  ModelError,
  RunCancelledError,
  ValidationFailedError,
} from '../errors/errors.js'
import { modelEndData } from '../events/model-end.js'
import type { RunUsage } from '../events/run-event.js'
import type { HookChain } from '../hooks/hook-chain.js'
import type { Message } from '../messages/message.js'
import type { Model } from '../model/model.js'
import type { ModelOutputSpec, ModelRequest, ModelSettings } from '../model/model-request.js'
import type { ModelResponse } from '../model/model-response.js'
import { createResponseCollector } from '../model/response-collector.js'
import { addUsage } from '../model/usage.js'
import type { ResolvedSchema } from '../tool/schema.js'
import type { JsonValue } from '../util/json.js'
import { type Check, evaluateAnswer } from './evaluate-answer.js'
import type { FunctionBudget } from './function-budget.js'
import type { FunctionMode, SandboxRunner, SandboxRunOptions } from './function-defaults.js'
import type { FunctionEventData } from './function-event.js'
import { buildFeedback, describeFailure } from './function-prompt.js'

/** What a successful call returns besides the output. */
export interface LLMFunctionResult<TOutput> {
  output: TOutput
  /** Every attempt, in order; the last one succeeded. */
  attempts: FunctionAttempt[]
  /** Token usage summed over the attempts. */
  usage: RunUsage
  /** The id of this call's events. */
  runId: string
}

/** Everything one call needs, resolved from the definition, the defaults and the call options. */
export interface FunctionCall<TInput, TOutput> {
  name: string
  model: Model
  mode: FunctionMode
  maxRetries: number
  modelSettings: ModelSettings
  instructions: string
  task: string
  outputSpec: ModelOutputSpec | undefined
  schema: ResolvedSchema<TOutput>
  checks: readonly Check<TOutput, TInput>[]
  input: TInput
  sandbox: SandboxRunner | undefined
  sandboxOptions: SandboxRunOptions | undefined
  /** The context budget each request is fitted to before it is sent. */
  budget?: FunctionBudget
  /** The caller's model hooks (`beforeModel`, `afterModel`) around each attempt's model call. */
  hooks?: HookChain<unknown> | undefined
  /** Aborted when the caller cancels (or stops reading the stream). */
  signal: AbortSignal
  runId: string
  emit(data: FunctionEventData): Promise<void> | undefined
}

/**
 * The attempt loop: ask, evaluate, and on a rejected answer ask again with the failure explained,
 * up to `maxRetries` more times. Emits run-like events throughout.
 */
export async function runFunction<TInput, TOutput>(
  call: FunctionCall<TInput, TOutput>,
): Promise<LLMFunctionResult<TOutput>> {
  const { model, signal } = call
  const usage: RunUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0, modelCalls: 0, toolCalls: 0 }
  const history: FunctionAttempt[] = []
  const messages: Message[] = [{ role: 'user', content: call.task }]
  const modelName = `${model.provider}:${model.modelId}`
  let turn = 0
  await call.emit({
    type: 'run.start',
    agent: call.name,
    model: modelName,
    input: messages.slice(),
    kind: 'function',
  })
  try {
    for (turn = 1; turn <= call.maxRetries + 1; turn++) {
      signal.throwIfAborted()
      const started = performance.now()
      await call.emit({ type: 'turn.start', turn })
      let request: ModelRequest = {
        ...call.modelSettings,
        instructions: call.instructions,
        messages: messages.slice(),
        tools: [],
        toolChoice: 'none',
      }
      if (call.outputSpec !== undefined) request.output = call.outputSpec
      let tokens: { input: number; reservedOutput: number } | undefined
      if (call.budget !== undefined) {
        const fitted = await call.budget(request, turn, signal)
        request = fitted.request
        tokens = fitted.tokens
        if (fitted.usage !== undefined) addUsage(usage, fitted.usage)
        if (fitted.compaction !== undefined) await call.emit(fitted.compaction)
      }
      const response = await callWithHooks(call, request, turn, modelName, tokens)
      await call.emit(modelEndData(turn, response))
      addUsage(usage, response.usage)
      usage.modelCalls++
      const answer = answerOf(response)
      const evaluation = await evaluateAnswer({
        answer,
        mode: call.mode,
        input: call.input,
        schema: call.schema,
        checks: call.checks,
        sandbox: call.sandbox,
        sandboxOptions: call.sandboxOptions,
        signal,
      })
      const attempt: FunctionAttempt = {
        attempt: turn,
        prompt: { instructions: call.instructions, messages: request.messages },
        answer,
        usage: response.usage,
        durationMs: performance.now() - started,
      }
      if (evaluation.code !== undefined) attempt.code = evaluation.code
      if (evaluation.value !== undefined) attempt.value = evaluation.value
      if (evaluation.failure !== undefined) attempt.failure = evaluation.failure
      history.push(attempt)
      await call.emit(
        evaluation.failure === undefined
          ? { type: 'attempt.end', turn, ok: true }
          : { type: 'attempt.end', turn, ok: false, failure: evaluation.failure },
      )
      await call.emit({ type: 'turn.end', turn })
      if (evaluation.failure === undefined) {
        const output = evaluation.output as TOutput
        await call.emit({
          type: 'run.end',
          status: 'completed',
          output: output as JsonValue,
          usage,
          turns: turn,
        })
        return { output, attempts: history, usage, runId: call.runId }
      }
      messages.push(
        { role: 'assistant', content: answer },
        { role: 'user', content: buildFeedback(evaluation.failure, call.mode) },
      )
    }
    throw finalError(call, history, usage)
  } catch (caught) {
    const error = signal.aborted ? cancelled(call.name, signal.reason) : caught
    await call.emit({
      type: 'run.end',
      status: signal.aborted ? 'cancelled' : 'failed',
      error: describeError(error),
      usage,
      turns: Math.min(turn, call.maxRetries + 1),
    })
    throw error
  }
}

/**
 * One attempt's model call, between the caller's `beforeModel` and `afterModel` hooks (a hook may
 * rewrite the request or answer in the model's place; a spending limit refuses by throwing
 * `BudgetExceededError`, reported as `budget.exceeded` before the call fails).
 */
async function callWithHooks(
  call: Pick<FunctionCall<unknown, unknown>, 'hooks' | 'runId' | 'name' | 'model' | 'signal' | 'emit'>,
  request: ModelRequest,
  turn: number,
  modelName: string,
  tokens: { input: number; reservedOutput: number } | undefined,
): Promise<ModelResponse> {
  const hooks = call.hooks
  if (hooks === undefined) {
    await call.emit({ type: 'model.start', turn, model: modelName })
    return streamModel(call, request, turn)
  }
  const event = {
    runId: call.runId,
    agentName: call.name,
    turn,
    context: undefined,
    purpose: 'turn' as const,
  }
  let response: ModelResponse | undefined
  if (hooks.hasBeforeModel) {
    try {
      const decision = await hooks.beforeModel({
        ...event,
        request,
        model: modelName,
        ...(tokens === undefined ? {} : { tokens }),
      })
      request = decision.request
      response = decision.response
    } catch (error) {
      if (error instanceof BudgetExceededError) {
        await call.emit({ type: 'budget.exceeded', turn, budget: error.budget, message: error.message })
      }
      throw error
    }
  }
  await call.emit({ type: 'model.start', turn, model: modelName })
  if (response === undefined) response = await streamModel(call, request, turn)
  else {
    for (const part of response.content) {
      if (part.type === 'text') await call.emit({ type: 'text.delta', turn, delta: part.text })
    }
  }
  if (hooks.hasAfterModel) response = await hooks.afterModel({ ...event, request, response })
  return response
}

/** Streams one model call, forwarding text and reasoning deltas as events. */
async function streamModel(
  call: Pick<FunctionCall<unknown, unknown>, 'model' | 'signal' | 'emit'>,
  request: ModelRequest,
  turn: number,
): Promise<ModelResponse> {
  const { model } = call
  const collector = createResponseCollector(model.provider)
  try {
    for await (const part of model.stream(request, { signal: call.signal })) {
      collector.add(part)
      let wait: Promise<void> | undefined
      if (part.type === 'text.delta') wait = call.emit({ type: 'text.delta', turn, delta: part.delta })
      else if (part.type === 'reasoning.delta') {
        wait = call.emit({ type: 'reasoning.delta', turn, delta: part.delta })
      }
      if (wait !== undefined) await wait
    }
  } catch (error) {
    if (call.signal.aborted) throw call.signal.reason
    if (isInstanceOf(error, AgentLoopError)) throw error
    throw new ModelError({
      provider: model.provider,
      message: `The ${model.provider} model call failed: ${errorMessage(error)}`,
      cause: error,
    })
  }
  return collector.response()
}

/** The answer's text; a provider that answers structured output as a forced tool call gives its arguments. */
function answerOf(response: ModelResponse): string {
  let text = ''
  for (const part of response.content) if (part.type === 'text') text += part.text
  if (text.trim() !== '') return text
  const toolCall = response.content.find((part) => part.type === 'tool-call')
  return toolCall?.type === 'tool-call' ? toolCall.arguments : text
}

function finalError(
  call: Pick<FunctionCall<unknown, unknown>, 'name' | 'maxRetries'>,
  history: FunctionAttempt[],
  usage: RunUsage,
): AgentLoopError {
  const last = history[history.length - 1] as FunctionAttempt
  const failure = last.failure ?? { kind: 'parse' as const, message: 'no answer' }
  const reason = describeFailure(failure)
  const validation = new ValidationFailedError({
    message: `llmFunction "${call.name}": the answer was rejected: ${reason}`,
    issues: failure.issues ?? [{ path: [], message: reason }],
    value: last.answer,
    functionName: call.name,
    attempt: last.attempt,
    maxRetries: call.maxRetries,
    history,
    usage,
  })
  if (call.maxRetries === 0) return validation
  return new MaxRetriesExceededError({
    message: `llmFunction "${call.name}" gave up after ${history.length} attempts (maxRetries = ${call.maxRetries}); the last answer was rejected: ${reason} Inspect error.history, improve the instructions or examples, or raise maxRetries.`,
    attempts: history.length,
    maxRetries: call.maxRetries,
    functionName: call.name,
    history,
    usage,
    cause: validation,
  })
}

function cancelled(name: string, reason: unknown): RunCancelledError {
  if (reason instanceof RunCancelledError) return reason
  return new RunCancelledError({
    message: `llmFunction "${name}" was cancelled by its AbortSignal.`,
    cause: reason,
  })
}
