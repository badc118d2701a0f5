/**
 * Handoffs: an agent lets the model pass the conversation to another agent. The model sees one
 * `transfer_to_<name>` tool per handoff; taking it continues the same run with the other agent
 * (its instructions, tools, model and output schema). `handoff(agent, options)` overrides the
 * tool's name and description and can trim what the next agent sees (`inputFilter`).
 *
 * @module
 */
import { describeValue } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { Message } from '../messages/message.js'
import type { JsonSchema } from '../model/model-request.js'

/** What an input filter receives when the run hands off. */
export interface HandoffInputFilterEvent {
  /**
   * The conversation the next agent would see, up to and including the transfer call and its
   * result (after earlier handoffs' filters). A copy: change it freely.
   */
  messages: Message[]
  /** The agent that hands off, and the one that takes over. */
  from: string
  to: string
}

/**
 * Returns the conversation the next agent starts from (the messages after the handoff follow it).
 * Called when the handoff is taken, and again on a later handoff or when a stored run resumes (the
 * run's stored history is never changed), so it must be a pure function of its input. Keep tool
 * calls and their results together: providers reject a result without its call.
 */
export type HandoffInputFilter = (event: HandoffInputFilterEvent) => Message[]

/** Options of {@link handoff}. */
export interface HandoffOptions {
  /** The tool name the model sees (default `transfer_to_<agent name in snake_case>`). */
  toolName?: string
  /** The tool description (default: the agent's `handoffDescription`, else a generic one). */
  description?: string
  /** Trims the conversation the next agent sees. */
  inputFilter?: HandoffInputFilter
}

/** The agents a handoff can target: what `handoff()` reads of one. */
export interface HandoffTarget {
  readonly name: string
  readonly handoffDescription?: string | undefined
}

/** A handoff to `agent`, as an agent's `handoffs` option accepts it. */
export interface Handoff<TAgent extends HandoffTarget = HandoffTarget> {
  readonly kind: 'handoff'
  readonly agent: TAgent
  readonly toolName: string
  readonly description: string
  readonly inputFilter: HandoffInputFilter | undefined
}

const HANDOFF_OPTION_KEYS = ['toolName', 'description', 'inputFilter'] as const
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/

/** The parameters of every handoff tool: none (the conversation itself is what is handed over). */
export const HANDOFF_PARAMETERS: JsonSchema = {
  type: 'object',
  properties: {},
  required: [],
  additionalProperties: false,
}

/**
 * A handoff to `agent` with a custom tool name, description or input filter. Plain agents in
 * `handoffs: [...]` get the defaults.
 *
 * @example
 * const triage = new Agent({ name: 'triage', model, handoffs: [billing, handoff(refunds, { inputFilter: lastUserMessage })] })
 */
export function handoff<TAgent extends HandoffTarget>(
  agent: TAgent,
  options: HandoffOptions = {},
): Handoff<TAgent> {
  if (typeof agent?.name !== 'string') {
    throw new ConfigError({
      message: `handoff(agent, options): agent must be an Agent; got ${describeValue(agent)}.`,
    })
  }
  const label = `handoff(${JSON.stringify(agent.name)})`
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError({
      message: `${label}: options must be an object { toolName?, description?, inputFilter? }; got ${describeValue(options)}.`,
    })
  }
  for (const key of Object.keys(options)) {
    if (!(HANDOFF_OPTION_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError({
        message: `${label}: unknown option "${key}". Known options: ${HANDOFF_OPTION_KEYS.join(', ')}.`,
      })
    }
  }
  const toolName = options.toolName ?? `transfer_to_${snakeCase(agent.name)}`
  if (typeof toolName !== 'string' || !TOOL_NAME.test(toolName) || toolName === 'transfer_to_') {
    throw new ConfigError({
      message: `${label}: the tool name ${JSON.stringify(toolName)} is not 1-64 letters, digits, "_" or "-"${options.toolName === undefined ? ' (the agent name has none)' : ''}. Pass handoff(agent, { toolName: 'transfer_to_...' }).`,
    })
  }
  if (options.description !== undefined && typeof options.description !== 'string') {
    throw new ConfigError({
      message: `${label}: description must be a string; got ${describeValue(options.description)}.`,
    })
  }
  if (options.inputFilter !== undefined && typeof options.inputFilter !== 'function') {
    throw new ConfigError({
      message: `${label}: inputFilter must be a function ({ messages, from, to }) => messages; got ${describeValue(options.inputFilter)}.`,
    })
  }
  return {
    kind: 'handoff',
    agent,
    toolName,
    description:
      options.description ??
      agent.handoffDescription ??
      `Hand the conversation over to the ${agent.name} agent, which then answers the user.`,
    inputFilter: options.inputFilter,
  }
}

/** Whether `value` is what `handoff()` returns. */
export function isHandoff(value: unknown): value is Handoff {
  return (value as Handoff | null)?.kind === 'handoff' && typeof (value as Handoff).toolName === 'string'
}

/**
 * A name as a tool name: `Billing Agent` and `billingAgent` become `billing_agent`; characters
 * providers reject in tool names are dropped. At most 50 characters.
 */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 50)
}
