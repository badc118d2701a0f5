/**
 * What marks a tool made by `agent.asTool()` and the agent it runs: the run loop reads it to run
 * the agent as a nested run (kept apart from `agent-tool.ts`, which may load the runtime).
 *
 * @module
 */
import type { Tool } from '../tool/tool.js'

/** The arguments of an agent tool. */
export interface AgentToolArguments {
  input: string
}

/** What an agent tool carries besides the tool: the agent it runs. */
export interface AgentToolTarget {
  readonly name: string
  readonly handoffDescription?: string | undefined
}

/** A tool that runs an agent. */
export type AgentTool<TContext = unknown> = Tool<AgentToolArguments, TContext> & {
  readonly [AGENT_TOOL]: AgentToolTarget
}

/** Marks an agent tool; the run loop reads the agent from it. */
export const AGENT_TOOL: unique symbol = Symbol.for('agentloop.agentTool')

/** Whether `tool` was made by `agent.asTool()`. */
export function isAgentTool(value: unknown): value is AgentTool<unknown> {
  return (value as Partial<AgentTool> | undefined)?.[AGENT_TOOL] !== undefined
}
