/**
 * An agent: instructions + model + tools + settings. It holds configuration only; `run` and
 * `stream` (or a `Runtime`) execute it, so one agent can serve any number of concurrent runs.
 *
 * @module
 */
import type { z } from 'zod'
import {
  type ContextOptions,
  type ContextSettings,
  resolveContextOptions,
} from '../context/context-options.js'
import { describeValue } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { HooksInput } from '../hooks/hook-chain.js'
import type { Model } from '../model/model.js'
import { modelReference } from '../model/model-reference.js'
import {
  type JsonSchema,
  type ModelOutputSpec,
  type ModelSettings,
  type ModelTool,
  TOOL_CHOICES,
  type ToolChoice,
} from '../model/model-request.js'
import { type ResolvedSchema, resolveSchema } from '../tool/schema.js'
import type { Tool } from '../tool/tool.js'
import { isToolSource, type ToolSource } from '../tool/tool-source.js'
import { type AgentToolOptions, createAgentTool } from './agent-tool.js'
import type { AgentTool } from './agent-tool-marker.js'
import { checkAgentOptions } from './check-agent-options.js'
import type { Handoff } from './handoff.js'
import { type HandoffEntry, type ResolvedHandoffs, resolveHandoffs } from './resolve-handoffs.js'

/** Instructions, fixed or computed from the run context once at the start of each run. */
export type Instructions<TContext> =
  | string
  | ((event: { context: TContext; agentName: string }) => string | Promise<string>)

/** A schema for a structured final output: a zod schema (typed), or a JSON Schema object. */
export type OutputSchema<TOutput> = z.core.$ZodType<TOutput> | JsonSchema

/** The options of `new Agent(...)`. */
export interface AgentOptions<TContext, TOutput> {
  /** A name for events, logs and `Runtime.resume`; unique among a runtime's agents. */
  name: string
  instructions?: Instructions<TContext>
  /** A model object, or a reference such as `'openai:gpt-4o'` resolved by the runtime's model registry. */
  model: Model | string
  /**
   * Tools, and tool sources whose tools may change (such as an MCP server's, from
   * `agentloop/mcp`): a source's current tools are read before every model call.
   */
  tools?: readonly (Tool<unknown, TContext> | ToolSource<TContext>)[]
  /** `auto` (default), `required`, `none`, or `{ name }` to force one tool. */
  toolChoice?: ToolChoice
  /**
   * After a turn with tool calls, go back to `toolChoice: 'auto'` (default true), so a `required`
   * or named choice cannot make the model call tools forever.
   */
  resetToolChoice?: boolean
  /** Let the model ask for several tool calls at once, and run them concurrently (default true). */
  parallelToolCalls?: boolean
  /** Model calls allowed per run (default 20); a run option can override it. */
  maxTurns?: number
  /**
   * A schema the final answer must match. The model's final text is parsed as JSON and validated;
   * on failure the model is asked once more with the problems listed, then the run fails with
   * `ValidationFailedError`.
   */
  output?: OutputSchema<TOutput>
  /** Temperature, max output tokens, provider options... sent with every model call. */
  modelSettings?: ModelSettings
  /**
   * The token budget of every model call and how to stay within it: `maxInputTokens`,
   * `reserveOutputTokens`, `tokenizer`, compaction `strategies`. See docs/context.md.
   */
  context?: ContextOptions
  hooks?: HooksInput<TContext>
  /**
   * Agents this one can hand the conversation to: the model sees a `transfer_to_<name>` tool per
   * entry, and taking one continues the run with that agent. An entry is an agent,
   * `handoff(agent, { toolName?, description?, inputFilter? })`, or a function returning one,
   * called on first use (for an agent created later: `() => triage` hands back). See docs/multi-agent.md.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the next agent's output type is its own
  handoffs?: readonly HandoffEntry<Agent<TContext, any>>[]
  /** What the model of an agent that can hand off to this one (or call it as a tool) reads about it. */
  handoffDescription?: string
}

const DEFAULT_MAX_TURNS = 20

/** An agent. `TContext` is the run context its tools receive; `TOutput` the type of its final output. */
export class Agent<TContext = unknown, TOutput = string> {
  readonly name: string
  readonly instructions: Instructions<TContext> | undefined
  readonly model: Model
  readonly toolChoice: ToolChoice
  readonly resetToolChoice: boolean
  readonly parallelToolCalls: boolean
  readonly maxTurns: number
  readonly modelSettings: ModelSettings
  /** The context budget settings, checked, with defaults applied. */
  readonly context: ContextSettings
  readonly hooks: HooksInput<TContext>
  /** The output schema resolved for validation and for the model, when `output` is set. */
  readonly outputSchema: ResolvedSchema<TOutput> | undefined
  readonly outputSpec: ModelOutputSpec | undefined
  readonly handoffDescription: string | undefined
  readonly #toolsByName: ReadonlyMap<string, Tool<unknown, TContext>>
  readonly #sources: readonly ToolSource<TContext>[]
  /** The tools with the sources' current ones, and the sources' lists they were built from. */
  #current: ToolSet<TContext>
  /** The model tools of `#current`, then the handoffs'; computed again when `#current` changes. */
  #modelToolsOf: ToolSet<TContext> | undefined
  readonly #handoffEntries: readonly HandoffEntry<AnyAgent<TContext>>[]
  #handoffs: ResolvedHandoffs<AnyAgent<TContext>> | undefined
  #modelTools: readonly ModelTool[] | undefined
  readonly #label: string

  constructor(options: AgentOptions<TContext, TOutput>) {
    checkAgentOptions(options)
    if (typeof options?.name !== 'string' || options.name.trim() === '') {
      throw new ConfigError({
        message: 'Agent: name must be a non-empty string (it names the agent in events and resume).',
      })
    }
    const label = `Agent ${JSON.stringify(options.name)}`
    const model = typeof options.model === 'string' ? referenceOf(options.model, label) : options.model
    if (!isModel(model)) {
      throw new ConfigError({
        message: `${label}: model must implement the Model interface (provider, modelId, generate, stream); use an adapter such as openai('gpt-4o') or scriptedModel([...]).`,
      })
    }
    const maxTurns = options.maxTurns ?? DEFAULT_MAX_TURNS
    if (!Number.isInteger(maxTurns) || maxTurns < 1) {
      throw new ConfigError({
        message: `${label}: maxTurns must be a positive integer; got ${describeValue(options.maxTurns)}.`,
      })
    }
    const tools: Tool<unknown, TContext>[] = []
    const sources: ToolSource<TContext>[] = []
    const byName = new Map<string, Tool<unknown, TContext>>()
    ;(options.tools ?? []).forEach((entry, index) => {
      if (isToolSource(entry)) {
        sources.push(entry as ToolSource<TContext>)
        return
      }
      tools.push(entry)
      if (typeof entry?.name !== 'string' || typeof entry.parseArguments !== 'function') {
        throw new ConfigError({
          message: `${label}: tools[${index}] is not a tool; create tools with tool({ ... }).`,
        })
      }
      if (byName.has(entry.name)) {
        throw new ConfigError({
          message: `${label}: two tools are named "${entry.name}"; tool names must be unique within an agent.`,
        })
      }
      byName.set(entry.name, entry)
    })
    const handoffEntries = options.handoffs ?? []
    if (!Array.isArray(handoffEntries)) {
      throw new ConfigError({
        message: `${label}: handoffs must be an array of agents or handoff(agent, options); got ${describeValue(handoffEntries)}.`,
      })
    }
    if (options.handoffDescription !== undefined && typeof options.handoffDescription !== 'string') {
      throw new ConfigError({
        message: `${label}: handoffDescription must be a string; got ${describeValue(options.handoffDescription)}.`,
      })
    }
    const toolChoice = options.toolChoice ?? 'auto'
    // A named tool may come from a source (known once the agent runs) or be a handoff (checked below).
    if (
      typeof toolChoice === 'object' &&
      !byName.has(toolChoice.name) &&
      handoffEntries.length === 0 &&
      sources.length === 0
    ) {
      throw new ConfigError({
        message: `${label}: toolChoice names "${toolChoice.name}", which is not one of its tools (${[...byName.keys()].join(', ') || 'none'}).`,
      })
    }
    if (typeof toolChoice === 'string' && !(TOOL_CHOICES as readonly string[]).includes(toolChoice)) {
      throw new ConfigError({
        message: `${label}: toolChoice must be 'auto', 'required', 'none' or { name }; got ${JSON.stringify(toolChoice)}.`,
      })
    }

    this.name = options.name
    this.instructions = options.instructions
    this.model = model
    this.toolChoice = toolChoice
    this.resetToolChoice = options.resetToolChoice ?? true
    this.parallelToolCalls = options.parallelToolCalls ?? true
    this.maxTurns = maxTurns
    this.modelSettings = options.modelSettings ?? {}
    this.context = resolveContextOptions(options.context, `${label}: context`)
    this.hooks = options.hooks
    this.#toolsByName = byName
    this.#label = label
    this.handoffDescription = options.handoffDescription
    this.#handoffEntries = handoffEntries
    this.#sources = sources
    this.#current = { lists: [], tools, byName, modelTools: tools.map(toModelTool) }
    // Without functions among them, handoffs are checked now; functions wait for the first use.
    if (!handoffEntries.some((entry) => typeof entry === 'function')) this.#resolveHandoffs()
    if (options.output === undefined) {
      this.outputSchema = undefined
      this.outputSpec = undefined
    } else {
      this.outputSchema = resolveSchema<TOutput>(options.output, {
        strict: true,
        field: `${label}: output`,
        objectOnly: false,
      })
      this.outputSpec = {
        name: 'final_output',
        schema: this.outputSchema.jsonSchema,
        strict: this.outputSchema.strict,
      }
    }
  }

  /** The agent's tools now: its own, then its tool sources' current ones. */
  get tools(): readonly Tool<unknown, TContext>[] {
    return this.#refresh().tools
  }

  /** The tool with this name, if the agent has it. */
  getTool(name: string): Tool<unknown, TContext> | undefined {
    return this.#refresh().byName.get(name)
  }

  /** The agents this one can hand off to, with their tool names (functions resolved on first use). */
  get handoffs(): readonly Handoff<AnyAgent<TContext>>[] {
    return this.#resolveHandoffs().list
  }

  /**
   * The tools as the model sees them (its tools, its tool sources' current ones, then one per
   * handoff), recomputed only when a tool source's tools change.
   */
  get modelTools(): readonly ModelTool[] {
    const current = this.#refresh()
    if (this.#modelTools === undefined || this.#modelToolsOf !== current) {
      this.#modelTools = [...current.modelTools, ...this.#resolveHandoffs().modelTools]
      this.#modelToolsOf = current
    }
    return this.#modelTools
  }

  /** The handoff whose tool is named `toolName`, if the agent has it. */
  getHandoff(toolName: string): Handoff<AnyAgent<TContext>> | undefined {
    return this.#resolveHandoffs().byTool.get(toolName)
  }

  #resolveHandoffs(): ResolvedHandoffs<AnyAgent<TContext>> {
    if (this.#handoffs === undefined) {
      const resolved = resolveHandoffs({
        label: this.#label,
        name: this.name,
        entries: this.#handoffEntries,
        hasTool: (name) => this.#toolsByName.has(name),
      })
      const choice = this.toolChoice
      if (
        typeof choice === 'object' &&
        this.#sources.length === 0 &&
        !this.#toolsByName.has(choice.name) &&
        !resolved.byTool.has(choice.name)
      ) {
        throw new ConfigError({
          message: `${this.#label}: toolChoice names "${choice.name}", which is not one of its tools or handoffs (${[...this.#toolsByName.keys(), ...resolved.byTool.keys()].join(', ') || 'none'}).`,
        })
      }
      this.#handoffs = resolved
    }
    return this.#handoffs
  }

  #refresh(): ToolSet<TContext> {
    if (this.#sources.length === 0) return this.#current
    const lists = this.#sources.map((source) => source.tools())
    if (lists.every((list, index) => list === this.#current.lists[index])) return this.#current
    const byName = new Map(this.#toolsByName)
    const owners = new Map<string, string>()
    const tools = [...byName.values()]
    lists.forEach((list, index) => {
      const source = this.#sources[index] as ToolSource<TContext>
      for (const entry of list) {
        if (byName.has(entry.name)) {
          const other = owners.get(entry.name)
          throw new ConfigError({
            message: `Agent ${JSON.stringify(this.name)}: tool source "${source.name}" has a tool named "${entry.name}", like ${other === undefined ? "one of the agent's own tools" : `tool source "${other}"`}; tool names must be unique within an agent. Give the source a name prefix (for an MCP server: toolNamePrefix) or rename one of them.`,
          })
        }
        byName.set(entry.name, entry)
        owners.set(entry.name, source.name)
        tools.push(entry)
      }
    })
    this.#current = { lists, tools, byName, modelTools: tools.map(toModelTool) }
    return this.#current
  }

  /**
   * This agent as a tool another agent can call: the model sends a request as `input`, this agent
   * runs as a nested run of the caller's run, and its final output is the tool's result. See
   * docs/multi-agent.md for events, usage, approvals and durability.
   *
   * @example
   * const writer = new Agent({ name: 'writer', model, tools: [researcher.asTool({ description: 'Research a topic' })] })
   */
  asTool(options: AgentToolOptions = {}): AgentTool<TContext> {
    return createAgentTool<TContext>(this, options)
  }
}

/** An agent of any output type (the next agent's output type is its own). */
// biome-ignore lint/suspicious/noExplicitAny: the next agent's output type is its own
type AnyAgent<TContext> = Agent<TContext, any>

/** An agent's tools at one moment. */
interface ToolSet<TContext> {
  lists: readonly (readonly Tool<unknown, TContext>[])[]
  tools: readonly Tool<unknown, TContext>[]
  byName: ReadonlyMap<string, Tool<unknown, TContext>>
  modelTools: readonly ModelTool[]
}

function toModelTool(entry: Tool<unknown, unknown>): ModelTool {
  return {
    name: entry.name,
    description: entry.description,
    parameters: entry.parameters,
    strict: entry.strict,
  }
}

function referenceOf(reference: string, label: string): Model {
  try {
    return modelReference(reference)
  } catch (error) {
    throw new ConfigError({ message: `${label}: model: ${(error as Error).message}`, cause: error })
  }
}

function isModel(value: unknown): value is Model {
  const model = value as Model | undefined
  return (
    typeof model === 'object' &&
    model !== null &&
    typeof model.provider === 'string' &&
    typeof model.modelId === 'string' &&
    typeof model.stream === 'function'
  )
}
