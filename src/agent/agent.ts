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
import { type AgentToolOptions, createAgentTool } from './agent-tool.js'
import type { AgentTool } from './agent-tool-marker.js'
import { checkAgentOptions } from './check-agent-options.js'
import { HANDOFF_PARAMETERS, type Handoff, handoff, isHandoff } from './handoff.js'

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
  tools?: readonly Tool<unknown, TContext>[]
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
   * entry, and taking one continues the run with that agent. An entry is an agent, or
   * `handoff(agent, { toolName?, description?, inputFilter? })`. See docs/multi-agent.md.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the next agent's output type is its own
  handoffs?: readonly (Agent<TContext, any> | Handoff<Agent<TContext, any>>)[]
  /** What the model of an agent that can hand off to this one (or call it as a tool) reads about it. */
  handoffDescription?: string
}

const DEFAULT_MAX_TURNS = 20

/** An agent. `TContext` is the run context its tools receive; `TOutput` the type of its final output. */
export class Agent<TContext = unknown, TOutput = string> {
  readonly name: string
  readonly instructions: Instructions<TContext> | undefined
  readonly model: Model
  readonly tools: readonly Tool<unknown, TContext>[]
  readonly toolChoice: ToolChoice
  readonly resetToolChoice: boolean
  readonly parallelToolCalls: boolean
  readonly maxTurns: number
  readonly modelSettings: ModelSettings
  /** The context budget settings, checked, with defaults applied. */
  readonly context: ContextSettings
  readonly hooks: HooksInput<TContext>
  /** The tools as the model sees them, computed once. */
  readonly modelTools: readonly ModelTool[]
  /** The output schema resolved for validation and for the model, when `output` is set. */
  readonly outputSchema: ResolvedSchema<TOutput> | undefined
  readonly outputSpec: ModelOutputSpec | undefined
  /** The agents this one can hand off to, with their tool names. */
  // biome-ignore lint/suspicious/noExplicitAny: the next agent's output type is its own
  readonly handoffs: readonly Handoff<Agent<TContext, any>>[]
  readonly handoffDescription: string | undefined
  readonly #toolsByName: ReadonlyMap<string, Tool<unknown, TContext>>
  // biome-ignore lint/suspicious/noExplicitAny: the next agent's output type is its own
  readonly #handoffsByTool: ReadonlyMap<string, Handoff<Agent<TContext, any>>>

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
    const tools = options.tools ?? []
    const byName = new Map<string, Tool<unknown, TContext>>()
    tools.forEach((entry, index) => {
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
    const handoffs = resolveHandoffs(options, label, byName)
    const handoffsByTool = new Map(handoffs.map((entry) => [entry.toolName, entry]))
    if (options.handoffDescription !== undefined && typeof options.handoffDescription !== 'string') {
      throw new ConfigError({
        message: `${label}: handoffDescription must be a string; got ${describeValue(options.handoffDescription)}.`,
      })
    }
    const toolChoice = options.toolChoice ?? 'auto'
    if (
      typeof toolChoice === 'object' &&
      !byName.has(toolChoice.name) &&
      !handoffsByTool.has(toolChoice.name)
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
    this.tools = tools
    this.toolChoice = toolChoice
    this.resetToolChoice = options.resetToolChoice ?? true
    this.parallelToolCalls = options.parallelToolCalls ?? true
    this.maxTurns = maxTurns
    this.modelSettings = options.modelSettings ?? {}
    this.context = resolveContextOptions(options.context, `${label}: context`)
    this.hooks = options.hooks
    this.#toolsByName = byName
    this.handoffs = handoffs
    this.handoffDescription = options.handoffDescription
    this.#handoffsByTool = handoffsByTool
    this.modelTools = [
      ...tools.map((entry) => ({
        name: entry.name,
        description: entry.description,
        parameters: entry.parameters,
        strict: entry.strict,
      })),
      ...handoffs.map((entry) => ({
        name: entry.toolName,
        description: entry.description,
        parameters: HANDOFF_PARAMETERS,
        strict: true,
      })),
    ]
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

  /** The tool with this name, if the agent has it. */
  getTool(name: string): Tool<unknown, TContext> | undefined {
    return this.#toolsByName.get(name)
  }

  /** The handoff whose tool is named `toolName`, if the agent has it. */
  // biome-ignore lint/suspicious/noExplicitAny: the next agent's output type is its own
  getHandoff(toolName: string): Handoff<Agent<TContext, any>> | undefined {
    return this.#handoffsByTool.get(toolName)
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

/**
 * The handoffs of `options`, checked: each entry is an agent or a `handoff(...)`, their tool names
 * are unique and differ from the agent's tools, and every agent reachable through them has a name
 * of its own (a stored run finds its active agent by name).
 */
function resolveHandoffs<TContext>(
  options: AgentOptions<TContext, unknown>,
  label: string,
  tools: ReadonlyMap<string, unknown>,
  // biome-ignore lint/suspicious/noExplicitAny: the next agent's output type is its own
): Handoff<Agent<TContext, any>>[] {
  const entries = options.handoffs ?? []
  if (!Array.isArray(entries)) {
    throw new ConfigError({
      message: `${label}: handoffs must be an array of agents or handoff(agent, options); got ${describeValue(entries)}.`,
    })
  }
  // biome-ignore lint/suspicious/noExplicitAny: the next agent's output type is its own
  const handoffs: Handoff<Agent<TContext, any>>[] = []
  const toolNames = new Map<string, number>()
  const reachable = new Map<string, unknown>([[options.name, undefined]])
  entries.forEach((entry, index) => {
    const resolved = isHandoff(entry)
      ? (entry as AgentHandoff<TContext>)
      : entry instanceof Agent
        ? handoff(entry)
        : undefined
    if (resolved === undefined || !(resolved.agent instanceof Agent)) {
      throw new ConfigError({
        message: `${label}: handoffs[${index}] is not an agent; give an Agent or handoff(agent, options).`,
      })
    }
    const target = resolved.agent
    if (target.name === options.name) {
      throw new ConfigError({
        message: `${label}: handoffs[${index}] hands off to an agent named "${target.name}", the agent's own name. An agent cannot hand off to itself, and names identify the active agent of a stored run: give the other agent another name.`,
      })
    }
    const earlier = toolNames.get(resolved.toolName)
    if (earlier !== undefined || tools.has(resolved.toolName)) {
      throw new ConfigError({
        message: `${label}: handoffs[${index}] has the tool name "${resolved.toolName}", already used by ${earlier === undefined ? 'one of its tools' : `handoffs[${earlier}]`}. Tool names must be unique within an agent: pass handoff(agent, { toolName }) to choose another.`,
      })
    }
    toolNames.set(resolved.toolName, index)
    for (const agent of [target, ...reachableThrough(target)]) {
      const known = reachable.get(agent.name)
      if (reachable.has(agent.name) && known !== agent) {
        throw new ConfigError({
          message: `${label}: handoffs[${index}] reaches two different agents named "${agent.name}". A stored run finds its active agent by name, so the agents reachable through handoffs need distinct names.`,
        })
      }
      reachable.set(agent.name, agent)
    }
    handoffs.push(resolved)
  })
  return handoffs
}

/** Every agent reachable from `agent` through handoffs (not `agent` itself). */
// biome-ignore lint/suspicious/noExplicitAny: agents of any context and output
function reachableThrough(agent: Agent<any, any>): Agent<any, any>[] {
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output
  const seen = new Set<Agent<any, any>>([agent])
  const queue = [agent]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const entry of next.handoffs) {
      if (seen.has(entry.agent)) continue
      seen.add(entry.agent)
      queue.push(entry.agent)
    }
  }
  seen.delete(agent)
  return [...seen]
}

/** A handoff to an agent of any output type (the next agent's output type is its own). */
// biome-ignore lint/suspicious/noExplicitAny: the next agent's output type is its own
type AgentHandoff<TContext> = Handoff<Agent<TContext, any>>

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
