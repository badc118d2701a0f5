/**
 * Resolving and checking an agent's `handoffs`: each entry becomes a `Handoff` (an agent gets the
 * defaults; a function is called once, on first use, so agents can hand off to each other in a
 * cycle), tool names stay unique, and every agent reachable through handoffs has a name of its
 * own (a stored run finds its active agent by name).
 *
 * @module
 */
import { describeValue } from '../errors/check-options.js'
import { ConfigError } from '../errors/errors.js'
import type { ModelTool } from '../model/model-request.js'
import { HANDOFF_PARAMETERS, type Handoff, type HandoffTarget, handoff, isHandoff } from './handoff.js'

/** What this module reads of an agent (the `Agent` class imports this module). */
export interface HandoffAgent extends HandoffTarget {
  readonly handoffs: readonly Handoff<HandoffAgent>[]
  getTool(name: string): unknown
}

/** An entry of the `handoffs` option: an agent, a `handoff(...)`, or a function returning one (resolved on first use). */
export type HandoffEntry<TAgent extends HandoffAgent> =
  | TAgent
  | Handoff<TAgent>
  | (() => TAgent | Handoff<TAgent>)

/** The resolved handoffs of an agent, by tool name, and the tools the model sees for them. */
export interface ResolvedHandoffs<TAgent extends HandoffAgent> {
  list: readonly Handoff<TAgent>[]
  byTool: ReadonlyMap<string, Handoff<TAgent>>
  modelTools: readonly ModelTool[]
}

/**
 * Resolves `entries` (calling the functions among them) and checks each: an agent or a handoff,
 * not the agent's own name, a tool name no tool or earlier handoff has.
 */
export function resolveHandoffs<TAgent extends HandoffAgent>(options: {
  label: string
  name: string
  entries: readonly HandoffEntry<TAgent>[]
  hasTool: (name: string) => boolean
}): ResolvedHandoffs<TAgent> {
  const { label, name } = options
  const list: Handoff<TAgent>[] = []
  const byTool = new Map<string, Handoff<TAgent>>()
  const indexOf = new Map<string, number>()
  options.entries.forEach((entry, index) => {
    const value = typeof entry === 'function' ? (entry as () => unknown)() : entry
    const resolved = isHandoff(value) ? value : isAgent(value) ? handoff(value) : undefined
    if (resolved === undefined || !isAgent(resolved.agent)) {
      throw new ConfigError({
        message: `${label}: handoffs[${index}] is not an agent${typeof entry === 'function' ? ` (its function returned ${describeValue(value)})` : ''}; give an Agent, handoff(agent, options), or a function returning one.`,
      })
    }
    if (resolved.agent.name === name) {
      throw new ConfigError({
        message: `${label}: handoffs[${index}] hands off to an agent named "${name}", the agent's own name. An agent cannot hand off to itself, and names identify the active agent of a stored run: give the other agent another name.`,
      })
    }
    const earlier = indexOf.get(resolved.toolName)
    if (earlier !== undefined || options.hasTool(resolved.toolName)) {
      throw new ConfigError({
        message: `${label}: handoffs[${index}] has the tool name "${resolved.toolName}", already used by ${earlier === undefined ? 'one of its tools' : `handoffs[${earlier}]`}. Tool names must be unique within an agent: pass handoff(agent, { toolName }) to choose another.`,
      })
    }
    indexOf.set(resolved.toolName, index)
    byTool.set(resolved.toolName, resolved as Handoff<TAgent>)
    list.push(resolved as Handoff<TAgent>)
  })
  const modelTools = list.map((entry) => ({
    name: entry.toolName,
    description: entry.description,
    parameters: HANDOFF_PARAMETERS,
    strict: true,
  }))
  return { list, byTool, modelTools }
}

const checkedGraphs = new WeakSet<object>()

/**
 * Checks the graph of agents `entry` reaches through handoffs (resolving every lazy entry): two
 * different agents with the same name are a `ConfigError`. Done once per agent, when a run starts.
 */
export function checkHandoffGraph(entry: HandoffAgent): void {
  if (checkedGraphs.has(entry)) return
  const byName = new Map<string, HandoffAgent>([[entry.name, entry]])
  const queue = [entry]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const { agent } of next.handoffs) {
      const known = byName.get(agent.name)
      if (known === agent) continue
      if (known !== undefined) {
        throw new ConfigError({
          message: `Agent ${JSON.stringify(entry.name)}: its handoffs reach two different agents named "${agent.name}" (through agent "${next.name}"). A stored run finds its active agent by name, so the agents reachable through handoffs need distinct names.`,
        })
      }
      byName.set(agent.name, agent)
      queue.push(agent)
    }
  }
  for (const agent of byName.values()) checkedGraphs.add(agent)
}

function isAgent(value: unknown): value is HandoffAgent {
  const agent = value as Partial<HandoffAgent> | null
  return typeof agent?.name === 'string' && typeof agent.getTool === 'function' && 'handoffs' in agent
}
