/**
 * LLM functions: an ordinary typed async function whose body is a model. The contract is the
 * input and output schemas plus post-condition checks; a rejected answer is sent back to the model
 * with what was wrong, up to `maxRetries` times.
 *
 * @module
 */
import type { z } from 'zod'
import { type ContextOptions, resolveContextOptions } from '../context/context-options.js'
import { ConfigError } from '../errors/errors.js'
import { startExecution } from '../events/execution.js'
import { createHookChain, type HooksInput } from '../hooks/hook-chain.js'
import type { ModelSettings } from '../model/model-request.js'
import {
  formatIssues,
  type InferSchema,
  resolveSchema,
  type SchemaInput,
  type ZodSchema,
} from '../tool/schema.js'
import { type Tool, tool } from '../tool/tool.js'
import type { Check } from './evaluate-answer.js'
import { createFunctionBudget } from './function-budget.js'
import {
  checkMaxRetries,
  checkMode,
  type FunctionMode,
  getFunctionDefaults,
  type SandboxRunner,
  type SandboxRunOptions,
} from './function-defaults.js'
import type { FunctionEvent, FunctionEventData } from './function-event.js'
import { checkFunctionModel, type FunctionModel, resolveFunctionModel } from './function-model.js'
import { buildInstructions, buildTask } from './function-prompt.js'
import { createFunctionStream, type LLMFunctionStream } from './function-stream.js'
import { loadSandbox } from './load-sandbox.js'
import { type LLMFunctionResult, runFunction } from './run-function.js'

/** The type a caller passes for a schema: the zod input type, or the inferred type of other schemas. */
export type InputOf<TSchema> = TSchema extends ZodSchema ? z.input<TSchema> : InferSchema<TSchema>

/** What `llmFunction()` takes. */
export interface LLMFunctionDefinition<TInputSchema extends SchemaInput, TOutputSchema extends SchemaInput> {
  /** 1-64 letters, digits, `_` or `-`: names the function in prompts, events, errors and as a tool. */
  name: string
  /** What the function must do; the model reads this as its instructions. */
  instructions: string
  /** The input schema (zod, JSON Schema or parameter list); the caller's input is validated against it. */
  input: TInputSchema
  /** The output schema; every answer is validated against it. */
  output: TOutputSchema
  /** Post-conditions, run in order on a valid output: throw or return a message to reject it. */
  checks?: readonly Check<InferSchema<TOutputSchema>, InferSchema<TInputSchema>>[]
  /**
   * A `Model`, or a reference such as `'openai:gpt-4o-mini'` resolved through the model registry.
   * Default: the `model` of `configureFunctions`, else the `AGENTLOOP_MODEL` environment variable.
   */
  model?: FunctionModel
  /** Extra attempts after a rejected answer; default 3 (or `configureFunctions`). */
  maxRetries?: number
  /** `json` (default): the model answers with JSON. `code`: with a JavaScript snippet run in the sandbox. */
  mode?: FunctionMode
  /** Input/output pairs shown to the model. */
  examples?: readonly { input: InputOf<TInputSchema>; output: InferSchema<TOutputSchema> }[]
  /** Sampling settings and provider options for the model calls. */
  modelSettings?: ModelSettings
  /**
   * Code mode's sandbox runner. Default: `configureFunctions`, else `runInSandbox` of
   * `agentloop/sandbox`, loaded on first use (needs `quickjs-emscripten`).
   */
  sandbox?: SandboxRunner
  /** Options of every sandbox call (`timeoutMs`, `memoryLimitBytes`, granted `functions`...). */
  sandboxOptions?: SandboxRunOptions
  /** A description for `asTool()`; default: the instructions. */
  description?: string
  /**
   * The token budget of every model call, as an agent's `context` option (`maxInputTokens`,
   * `reserveOutputTokens`, `tokenizer`, compaction `strategies`); default: `configureFunctions`.
   */
  context?: ContextOptions
}

/** Options of one call. */
export interface LLMFunctionCallOptions {
  /** Cancels the call: it rejects with `RunCancelledError`, and the signal reaches the model and the sandbox. */
  signal?: AbortSignal
  /** Receives every event of the call, as a run's events (plus `attempt.end`). */
  onEvent?: (event: FunctionEvent) => void | Promise<void>
  /** Use this id instead of a generated one. */
  runId?: string
  /**
   * Model hooks for this call, the same objects a `Runtime` takes: `beforeModel` and `afterModel`
   * run around each attempt's model call (`runId` of the call, `agentName` the function's name,
   * `turn` the attempt, `purpose: 'turn'`, `tokens` as the context budget counted them); the other
   * hooks do not apply. A `BudgetExceededError` from `beforeModel` (`createSpend`'s hooks) ends the
   * call with a `budget.exceeded` event before anything is sent; it is not retried.
   */
  hooks?: HooksInput<unknown>
}

/** A typed function whose body is a model. */
export interface LLMFunction<TInput, TOutput, TInputValue = TInput> {
  (input: TInput, options?: LLMFunctionCallOptions): Promise<TOutput>
  /** The function's name (also its `name` property). */
  readonly functionName: string
  /** Like calling the function, but resolves with the attempts, usage and run id too. */
  run(input: TInput, options?: LLMFunctionCallOptions): Promise<LLMFunctionResult<TOutput>>
  /** Calls the function and streams its events. Breaking out of the loop cancels the call. */
  stream(input: TInput, options?: Omit<LLMFunctionCallOptions, 'onEvent'>): LLMFunctionStream<TOutput>
  /** This function as a tool an agent can call; failures reach the model as the tool's error result. */
  asTool(options?: { name?: string; description?: string; timeoutMs?: number }): Tool<TInputValue>
}

const NAME = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * Defines an LLM function, typed from its zod schemas.
 *
 * @example
 * const categorize = llmFunction({
 *   name: 'categorize_text',
 *   instructions: 'Find the category of the text.',
 *   input: z.object({ text: z.string() }),
 *   output: z.object({ category: z.enum(['billing', 'support']), confidence: z.number().min(0).max(1) }),
 *   checks: [(output) => (output.confidence < 0.2 ? 'confidence too low to be useful' : undefined)],
 *   model,
 * })
 * const { category } = await categorize({ text: 'I was charged twice.' })
 */
export function llmFunction<const TInputSchema extends SchemaInput, const TOutputSchema extends SchemaInput>(
  definition: LLMFunctionDefinition<TInputSchema, TOutputSchema>,
): LLMFunction<InputOf<TInputSchema>, InferSchema<TOutputSchema>, InferSchema<TInputSchema>> {
  type TInputValue = InferSchema<TInputSchema>
  type TOutput = InferSchema<TOutputSchema>
  const label = `llmFunction ${JSON.stringify(definition?.name)}`
  if (typeof definition?.name !== 'string' || !NAME.test(definition.name)) {
    throw new ConfigError({ message: `${label}: name must be 1-64 letters, digits, "_" or "-".` })
  }
  if (typeof definition.instructions !== 'string' || definition.instructions.trim() === '') {
    throw new ConfigError({ message: `${label}: instructions must be a non-empty string saying what to do.` })
  }
  if (definition.input === undefined || definition.output === undefined) {
    throw new ConfigError({
      message: `${label}: input and output schemas are required (zod or JSON Schema).`,
    })
  }
  const checks = definition.checks ?? []
  if (
    !Array.isArray(checks) ||
    checks.some((check) => typeof check !== 'function' && typeof check?.check !== 'function')
  ) {
    throw new ConfigError({
      message: `${label}: checks must be a list of functions (output, input) => message | undefined, or { name, check }.`,
    })
  }
  const examples = definition.examples ?? []
  if (
    !Array.isArray(examples) ||
    examples.some(
      (example) =>
        typeof example !== 'object' || example === null || !('input' in example) || !('output' in example),
    )
  ) {
    throw new ConfigError({ message: `${label}: examples must be a list of { input, output }.` })
  }
  if (definition.maxRetries !== undefined) checkMaxRetries(definition.maxRetries, `${label}: maxRetries`)
  if (definition.mode !== undefined) checkMode(definition.mode, `${label}: mode`)
  const ownModel =
    definition.model === undefined ? undefined : checkFunctionModel(definition.model, `${label}: model`)
  const ownContext =
    definition.context === undefined
      ? undefined
      : resolveContextOptions(definition.context, `${label}: context`)
  const name = definition.name
  const inputSchema = resolveSchema<TInputValue>(definition.input, {
    strict: false,
    field: `${label}: input`,
    objectOnly: false,
  })
  const outputSchema = resolveSchema<TOutput>(definition.output, {
    strict: true,
    field: `${label}: output`,
    objectOnly: false,
  })

  async function start(
    rawInput: unknown,
    options: LLMFunctionCallOptions,
    sink: ((event: FunctionEvent) => Promise<void> | undefined) | undefined,
    controller: AbortController,
  ): Promise<LLMFunctionResult<TOutput>> {
    const defaults = getFunctionDefaults()
    const model = resolveFunctionModel({
      own: ownModel,
      configured: defaults.model === undefined ? undefined : checkFunctionModel(defaults.model, 'model'),
      envFile: defaults.envFile,
      label,
    })
    const mode = definition.mode ?? defaults.mode
    let sandbox = definition.sandbox ?? defaults.sandbox
    if (mode === 'code' && sandbox === undefined) sandbox = await loadSandbox(label)
    if (mode === 'code' && typeof sandbox !== 'function') {
      throw new ConfigError({
        message: `${label}: sandbox must be a function (code: string, options) => Promise<value>, such as runInSandbox from 'agentloop/sandbox'.`,
      })
    }
    const contextSettings =
      ownContext ??
      (defaults.context === undefined
        ? resolveContextOptions(undefined, `${label}: context`)
        : resolveContextOptions(defaults.context, 'configureFunctions: context'))
    const validated = await inputSchema.validate(rawInput)
    if (!validated.success) {
      throw new ConfigError({ message: `${label}: the input is invalid: ${formatIssues(validated.issues)}.` })
    }
    const sandboxOptions =
      defaults.sandboxOptions === undefined && definition.sandboxOptions === undefined
        ? undefined
        : { ...defaults.sandboxOptions, ...definition.sandboxOptions }
    const functions = sandboxOptions?.functions
    const parts = {
      name,
      instructions: definition.instructions,
      mode,
      input: validated.value,
      outputSchema: outputSchema.jsonSchema,
      examples,
      functionNames: typeof functions === 'object' && functions !== null ? Object.keys(functions) : [],
    }
    const runId = options.runId ?? crypto.randomUUID()
    // The execution core shared with runs and step jobs: the caller's signal and the stream's
    // controller cancel it; events are stamped in order and stop after run.end.
    const running = startExecution<FunctionEventData, FunctionEvent>({
      owner: (event) => {
        event.runId = runId
      },
      endType: 'run.end',
      deliver: sink,
      signal:
        options.signal === undefined
          ? controller.signal
          : AbortSignal.any([controller.signal, options.signal]),
    })
    try {
      return await runFunction<TInputValue, TOutput>({
        name,
        model,
        mode,
        maxRetries: definition.maxRetries ?? defaults.maxRetries,
        modelSettings: definition.modelSettings ?? defaults.modelSettings ?? {},
        instructions: buildInstructions(parts),
        task: buildTask(parts),
        outputSpec:
          mode === 'json'
            ? { name, schema: outputSchema.jsonSchema, strict: outputSchema.strict }
            : undefined,
        schema: outputSchema,
        checks: checks as readonly Check<TOutput, TInputValue>[],
        input: validated.value,
        sandbox,
        sandboxOptions,
        budget: createFunctionBudget({ settings: contextSettings, model, name }),
        hooks: options.hooks === undefined ? undefined : createHookChain(options.hooks, undefined),
        signal: running.signal,
        runId,
        emit: running.emit,
      })
    } finally {
      running.dispose()
    }
  }

  const run = (input: InputOf<TInputSchema>, options: LLMFunctionCallOptions = {}) => {
    const onEvent = options.onEvent
    const sink =
      onEvent === undefined
        ? undefined
        : (event: FunctionEvent) => {
            const returned = onEvent(event)
            return returned instanceof Promise ? returned : undefined
          }
    return start(input, options, sink, new AbortController())
  }

  const callable = (async (input: InputOf<TInputSchema>, options?: LLMFunctionCallOptions) =>
    (await run(input, options)).output) as LLMFunction<InputOf<TInputSchema>, TOutput, TInputValue>
  Object.defineProperty(callable, 'name', { value: name })
  Object.defineProperty(callable, 'functionName', { value: name, enumerable: true })
  Object.defineProperty(callable, 'run', { value: run, enumerable: true })
  Object.defineProperty(callable, 'stream', {
    enumerable: true,
    value(input: InputOf<TInputSchema>, options: Omit<LLMFunctionCallOptions, 'onEvent'> = {}) {
      const runId = options.runId ?? crypto.randomUUID()
      return createFunctionStream<TOutput>(runId, (sink, controller) =>
        start(input, { ...options, runId }, sink, controller),
      )
    },
  })
  Object.defineProperty(callable, 'asTool', {
    enumerable: true,
    value(options: { name?: string; description?: string; timeoutMs?: number } = {}) {
      const definitionOfTool = {
        name: options.name ?? name,
        description: options.description ?? definition.description ?? definition.instructions,
        parameters: definition.input,
        execute: (args: TInputValue, context: { signal: AbortSignal }) =>
          callable(args as InputOf<TInputSchema>, { signal: context.signal }),
      }
      return options.timeoutMs === undefined
        ? tool(definitionOfTool)
        : tool({ ...definitionOfTool, timeoutMs: options.timeoutMs })
    },
  })
  return callable
}
