/**
 * Tools: functions the model can call. Define one with {@link tool}; its arguments are validated
 * against its schema before `execute` runs, and the run context reaches `execute` without ever
 * appearing in what the model sees.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { JsonSchema } from '../model/model-request.js'
import { type InferSchema, resolveSchema, type SchemaInput, type ValidationResult } from './schema.js'

/** What `execute` receives besides its arguments. */
export interface ToolContext<TContext = unknown> {
  /** The run context given to `run(..., { context })`: never shown to the model, events or stores. */
  context: TContext
  /** Aborted when the run is cancelled or times out, or when this tool call times out. */
  signal: AbortSignal
  runId: string
  /** The id of this tool call, unique within the run. */
  callId: string
  /** The turn (1-based) whose model response asked for this call. */
  turn: number
  /**
   * The same on every attempt of this call, also after a crash and resume (`runId:callId`): pass it
   * to the systems you call so they can drop a repeated request.
   */
  idempotencyKey: string
}

/** What happens when a tool throws or times out. */
export type ToolErrorMode =
  /** The error message goes back to the model as the tool's result and the run continues (default). */
  | 'send-to-model'
  /** The run fails with a `ToolError`. */
  | 'fail-run'

/** The definition `tool()` takes. */
export interface ToolDefinition<TParameters extends SchemaInput, TContext, TResult> {
  /** 1-64 characters: letters, digits, `_` and `-`. */
  name: string
  /** What the tool does and when to use it; the model reads this. */
  description: string
  /** A zod object, a JSON Schema object, or a list of `{ name, type, description, enum?, required? }`. */
  parameters: TParameters
  /** Runs the tool. A non-string return value is sent to the model as JSON. */
  execute(args: InferSchema<TParameters>, context: ToolContext<TContext>): TResult | Promise<TResult>
  /** Send the strict JSON Schema form (default true); ignored when the schema cannot be strict. */
  strict?: boolean
  /** Abort and fail the call after this many milliseconds (the signal in `ToolContext` is aborted). */
  timeoutMs?: number
  /** Pause the run for a human decision before this tool runs (acted on by durable runs). */
  needsApproval?:
    | boolean
    | ((args: InferSchema<TParameters>, context: ToolContext<TContext>) => boolean | Promise<boolean>)
  /** Safe to run again with the same arguments; a resumed run may then repeat an unfinished call. */
  idempotent?: boolean
  /** What to do when the tool throws or times out; default `send-to-model`. */
  onError?: ToolErrorMode
}

/** A tool, ready to give to an agent. */
export interface Tool<TArgs = unknown, TContext = unknown> {
  readonly name: string
  readonly description: string
  /** The JSON Schema of the arguments, as the model sees it. */
  readonly parameters: JsonSchema
  /** Whether `parameters` is in the strict subset. */
  readonly strict: boolean
  readonly timeoutMs: number | undefined
  /** Whether this call must wait for a human decision (always false unless the definition says so). */
  needsApproval(args: TArgs, context: ToolContext<TContext>): boolean | Promise<boolean>
  readonly idempotent: boolean
  readonly onError: ToolErrorMode
  /** Validates arguments against the tool's schema. */
  parseArguments(value: unknown): Promise<ValidationResult<TArgs>>
  execute(args: TArgs, context: ToolContext<TContext>): unknown
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * Defines a tool. The type of `execute`'s arguments is inferred from a zod schema or a parameter list.
 *
 * @example
 * const add = tool({
 *   name: 'add', description: 'Add two numbers',
 *   parameters: z.object({ a: z.number(), b: z.number() }),
 *   execute: ({ a, b }) => a + b,
 * })
 */
export function tool<const TParameters extends SchemaInput, TContext = unknown, TResult = unknown>(
  definition: ToolDefinition<TParameters, TContext, TResult>,
): Tool<InferSchema<TParameters>, TContext> {
  const label = `tool ${JSON.stringify(definition?.name)}`
  if (typeof definition?.name !== 'string' || !TOOL_NAME.test(definition.name)) {
    throw new ConfigError({
      message: `${label}: name must be 1-64 letters, digits, "_" or "-" (providers reject other names).`,
    })
  }
  if (typeof definition.description !== 'string') {
    throw new ConfigError({
      message: `${label}: description must be a string telling the model what the tool does.`,
    })
  }
  if (typeof definition.execute !== 'function') {
    throw new ConfigError({ message: `${label}: execute must be a function (args, context) => result.` })
  }
  if (definition.parameters === undefined || definition.parameters === null) {
    throw new ConfigError({
      message: `${label}: parameters is required; use z.object({}) or [] for a tool without arguments.`,
    })
  }
  if (definition.timeoutMs !== undefined && !(definition.timeoutMs > 0)) {
    throw new ConfigError({ message: `${label}: timeoutMs must be a positive number of milliseconds.` })
  }
  const needsApproval = definition.needsApproval
  const onError = definition.onError ?? 'send-to-model'
  if (onError !== 'send-to-model' && onError !== 'fail-run') {
    throw new ConfigError({ message: `${label}: onError must be 'send-to-model' or 'fail-run'.` })
  }
  const schema = resolveSchema<InferSchema<TParameters>>(definition.parameters, {
    strict: definition.strict ?? true,
    field: `${label}: parameters`,
  })
  return {
    name: definition.name,
    description: definition.description,
    parameters: schema.jsonSchema,
    strict: schema.strict,
    timeoutMs: definition.timeoutMs,
    needsApproval: typeof needsApproval === 'function' ? needsApproval : () => needsApproval === true,
    idempotent: definition.idempotent ?? false,
    onError,
    parseArguments: schema.validate,
    execute: definition.execute,
  }
}
