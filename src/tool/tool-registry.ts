/**
 * A registry of tools by name (seed 002's `ToolRegistry`): register, look up, list and remove
 * tools, execute one from raw model arguments exactly as a run would (same validation, same error
 * results), and export the set as OpenAI or Anthropic tool definitions. Stored agents name their
 * tools through a registry.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { JsonSchema } from '../model/model-request.js'
import { type JsonValue, toText } from '../util/json.js'
import type { Tool } from './tool.js'
import { invokeTool, readToolCallArguments, toolFailureOutput } from './tool-call.js'

/** Options of `registry.execute`. */
export interface ToolExecuteOptions<TContext = unknown> {
  /** The run context handed to the tool (never shown to the model). */
  context?: TContext
  /** Cancels the call. */
  signal?: AbortSignal
  /** Passed to the tool as `runId` (default `registry`). */
  runId?: string
  /** Passed to the tool as `callId` (default: a new UUID). */
  callId?: string
}

/**
 * What `registry.execute` returns: the tool result as the model would get it. `isError` is true
 * for an unknown tool, bad arguments, or a tool that threw or timed out (`output` then says what
 * to fix); `value` is what `execute` returned, when it succeeded.
 */
export type ToolExecution =
  | { isError: false; output: string; value: unknown }
  | { isError: true; output: string }

/** A tool in the OpenAI Chat Completions `tools` format. */
export interface OpenAIChatToolDefinition {
  type: 'function'
  function: { name: string; description: string; parameters: JsonSchema; strict?: boolean }
}

/** A tool in the OpenAI Responses API `tools` format. */
export interface OpenAIResponsesToolDefinition {
  type: 'function'
  name: string
  description: string
  parameters: JsonSchema
  strict: boolean
}

/** A tool in the Anthropic Messages API `tools` format. */
export interface AnthropicToolDefinition {
  name: string
  description: string
  input_schema: JsonSchema
}

/** Tools by name. */
export interface ToolRegistry<TContext = unknown> {
  /** Adds a tool; a `ConfigError` when one of that name is registered (unregister it first). */
  register(tool: Tool<unknown, TContext>): void
  /** The tool of that name, or undefined. */
  get(name: string): Tool<unknown, TContext> | undefined
  has(name: string): boolean
  /** The tools, in the order they were registered. */
  list(): Tool<unknown, TContext>[]
  /** Removes a tool; false when there was none of that name. */
  unregister(name: string): boolean
  /**
   * Runs a tool on the arguments a model sent (JSON text, or an object): validated against the
   * tool's schema, with its timeout. Never throws for bad input or a failing tool: the result says
   * what went wrong, as a run would tell the model.
   */
  execute(
    name: string,
    rawArguments: string | JsonValue,
    options?: ToolExecuteOptions<TContext>,
  ): Promise<ToolExecution>
  /** The tools as OpenAI definitions: `chat` (Chat Completions, default) or `responses`. */
  toOpenAITools(options?: { api?: 'chat' }): OpenAIChatToolDefinition[]
  toOpenAITools(options: { api: 'responses' }): OpenAIResponsesToolDefinition[]
  /** The tools as Anthropic Messages API definitions. */
  toAnthropicTools(): AnthropicToolDefinition[]
}

/**
 * Creates a tool registry, optionally with tools.
 *
 * @example
 * const registry = createToolRegistry([add])
 * const result = await registry.execute('add', '{"a":2,"b":3}')   // { isError: false, output: '5', value: 5 }
 * const body = { tools: registry.toOpenAITools() }
 */
export function createToolRegistry<TContext = unknown>(
  tools: readonly Tool<unknown, TContext>[] = [],
): ToolRegistry<TContext> {
  const byName = new Map<string, Tool<unknown, TContext>>()

  const register = (tool: Tool<unknown, TContext>) => {
    if (typeof tool?.name !== 'string' || typeof tool.execute !== 'function') {
      throw new ConfigError({
        message: `ToolRegistry.register: expected a tool made with tool({ name, description, parameters, execute }); got ${toText(tool)}.`,
      })
    }
    if (byName.has(tool.name)) {
      throw new ConfigError({
        message: `ToolRegistry.register: a tool named "${tool.name}" is already registered. Give the new tool another name, or unregister("${tool.name}") first.`,
      })
    }
    byName.set(tool.name, tool as Tool<unknown, TContext>)
  }
  for (const tool of tools) register(tool)

  const toOpenAITools = (options?: { api?: 'chat' | 'responses' }) =>
    [...byName.values()].map((tool) =>
      options?.api === 'responses'
        ? {
            type: 'function' as const,
            name: tool.name,
            description: tool.description,
            parameters: tool.parameters,
            strict: tool.strict,
          }
        : {
            type: 'function' as const,
            function: {
              name: tool.name,
              description: tool.description,
              parameters: tool.parameters,
              ...(tool.strict ? { strict: true } : {}),
            },
          },
    )

  return {
    register,
    get: (name) => byName.get(name),
    has: (name) => byName.has(name),
    list: () => [...byName.values()],
    unregister: (name) => byName.delete(name),

    async execute(name, rawArguments, options = {}) {
      const tool = byName.get(name) as Tool<unknown, unknown> | undefined
      const input = await readToolCallArguments({
        tool,
        toolName: name,
        rawArguments,
        availableTools: () => [...byName.keys()],
      })
      if (tool === undefined || !input.ok)
        return { isError: true, output: (input as { output: string }).output }
      const runId = options.runId ?? 'registry'
      const callId = options.callId ?? globalThis.crypto.randomUUID()
      try {
        const value = await invokeTool({
          tool,
          args: input.value,
          callId,
          signal: options.signal ?? new AbortController().signal,
          context: (signal) => ({
            context: options.context,
            signal,
            runId,
            callId,
            turn: 0,
            idempotencyKey: `${runId}:${callId}`,
          }),
        })
        return { isError: false, output: toText(value), value }
      } catch (error) {
        // a cancelled call is the caller's decision, not a tool result
        if (options.signal?.aborted) throw options.signal.reason
        return { isError: true, output: toolFailureOutput(name, error) }
      }
    },

    toOpenAITools: toOpenAITools as ToolRegistry<TContext>['toOpenAITools'],

    toAnthropicTools: () =>
      [...byName.values()].map((tool) => ({
        name: tool.name,
        description: tool.description,
        input_schema: tool.parameters,
      })),
  }
}
