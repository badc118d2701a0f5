/**
 * The steps of one tool call that do not depend on a run: reading the model's raw arguments
 * (JSON, then the tool's schema), running the tool with its timeout, and the error results the
 * model gets back. The run loop (`run/execute-tools.ts`) and the tool registry both use them, so
 * a call behaves the same wherever it is made.
 *
 * @module
 */
import { describeError, isInstanceOf } from '../errors/describe-error.js'
import { ToolError } from '../errors/errors.js'
import { raceAbort, timeoutSignal } from '../util/abort.js'
import { type JsonValue, parseJson } from '../util/json.js'
import { formatIssues } from './schema.js'
import type { Tool, ToolContext } from './tool.js'

/** What a tool call's raw arguments turned out to be. */
export type ToolCallArguments =
  /** Valid: `value` is what the schema produced; `shown` the parsed JSON (for events). */
  | { ok: true; value: unknown; shown: JsonValue }
  /** Invalid: `output` is the error result for the model. */
  | { ok: false; output: string; shown: JsonValue }

/**
 * Parses and validates the arguments the model sent for a call: empty text means `{}`; an unknown
 * tool, text that is not JSON and arguments the schema rejects each give an error result that
 * tells the model what to fix. An object (already parsed) is validated as it is.
 */
export async function readToolCallArguments(options: {
  tool: Tool<unknown, unknown> | undefined
  toolName: string
  rawArguments: string | JsonValue
  /** The names the model could have called, for the unknown-tool message. */
  availableTools: () => readonly string[]
}): Promise<ToolCallArguments> {
  const { tool, toolName, rawArguments } = options
  const parsed =
    typeof rawArguments !== 'string'
      ? ({ ok: true, value: rawArguments } as const)
      : rawArguments.trim() === ''
        ? ({ ok: true, value: {} } as const)
        : parseJson(rawArguments)
  const shown = (parsed.ok ? parsed.value : rawArguments) as JsonValue
  if (tool === undefined) {
    const names = options.availableTools()
    return {
      ok: false,
      shown,
      output: `Error: there is no tool named "${toolName}". Available tools: ${names.length > 0 ? names.join(', ') : 'none'}.`,
    }
  }
  if (!parsed.ok) {
    return {
      ok: false,
      shown,
      output: `Error: the arguments for tool "${toolName}" are not valid JSON (${parsed.message}). Send the arguments as one JSON object matching the tool's schema.`,
    }
  }
  const validated = await tool.parseArguments(parsed.value)
  if (!validated.success) {
    return {
      ok: false,
      shown,
      output: `Error: invalid arguments for tool "${toolName}": ${formatIssues(validated.issues)}. Fix the arguments and call the tool again.`,
    }
  }
  return { ok: true, value: validated.value, shown }
}

/**
 * Runs a tool on valid arguments with its timeout: the context's signal is aborted when `signal`
 * aborts or the tool's `timeoutMs` passes (then the call fails with a `ToolError`). Returns what
 * `execute` returned; throws what it threw.
 */
export async function invokeTool(options: {
  tool: Tool<unknown, unknown>
  args: unknown
  callId: string
  signal: AbortSignal
  /** The context for `execute`, given the signal of this call. */
  context: (signal: AbortSignal) => ToolContext<unknown>
}): Promise<unknown> {
  const { tool, callId } = options
  const timeout =
    tool.timeoutMs === undefined
      ? undefined
      : timeoutSignal(
          options.signal,
          tool.timeoutMs,
          () =>
            new ToolError({
              toolName: tool.name,
              callId,
              message: `tool "${tool.name}" timed out after ${tool.timeoutMs} ms`,
            }),
        )
  // A call cancelled while it was being validated must not start the tool.
  if (options.signal.aborted) {
    timeout?.dispose()
    throw options.signal.reason
  }
  const signal = timeout?.signal ?? options.signal
  try {
    const returned = tool.execute(options.args, options.context(signal))
    return isPromiseLike(returned)
      ? await (timeout === undefined ? returned : raceAbort(Promise.resolve(returned), signal))
      : returned
  } finally {
    timeout?.dispose()
  }
}

/** The error result the model gets when a tool throws or times out. */
export function toolFailureOutput(toolName: string, error: unknown): string {
  const { message } = describeError(error)
  return isInstanceOf(error, ToolError)
    ? `Error: ${message}.`
    : `Error: tool "${toolName}" failed: ${message}`
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function'
}
