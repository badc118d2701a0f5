/**
 * An agent called as a tool (`agent.asTool()`): the calling agent's model sends a request as the
 * tool's `input`, the agent runs as a nested run and its final output is the tool's result. Inside
 * a run the run loop executes it (nested events, usage, approvals and durability: docs/multi-agent.md);
 * called on its own (a tool registry, a workflow's tool node) it is a plain run of the agent.
 *
 * @module
 */
import { describeValue } from '../errors/check-options.js'
import { ConfigError, ToolError } from '../errors/errors.js'
import type { JsonSchema } from '../model/model-request.js'
import { type Tool, tool } from '../tool/tool.js'
import {
  AGENT_TOOL,
  type AgentTool,
  type AgentToolArguments,
  type AgentToolTarget,
} from './agent-tool-marker.js'
import { snakeCase } from './handoff.js'

/** Options of `agent.asTool(...)`. */
export interface AgentToolOptions {
  /** The tool name the model sees (default: the agent's name in snake_case). */
  name?: string
  /** What the model reads (default: the agent's `handoffDescription`, else a generic one). */
  description?: string
  /** Pause the calling run for a human decision before the agent runs (durable runs). */
  needsApproval?: boolean
}

const OPTION_KEYS = ['name', 'description', 'needsApproval'] as const

const PARAMETERS: JsonSchema = {
  type: 'object',
  properties: {
    input: { type: 'string', description: 'The request for the agent, with everything it needs to know.' },
  },
  required: ['input'],
  additionalProperties: false,
}

/** Creates the tool of `agent.asTool(options)`. */
export function createAgentTool<TContext>(
  agent: AgentToolTarget,
  options: AgentToolOptions = {},
): AgentTool<TContext> {
  const label = `Agent ${JSON.stringify(agent.name)}: asTool(options)`
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError({
      message: `${label}: options must be an object { name?, description?, needsApproval? }; got ${describeValue(options)}.`,
    })
  }
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError({
        message: `${label}: unknown option "${key}". Known options: ${OPTION_KEYS.join(', ')}.`,
      })
    }
  }
  const name = options.name ?? snakeCase(agent.name)
  if (name === '') {
    throw new ConfigError({
      message: `${label}: the agent's name has no letters or digits to name the tool; pass asTool({ name: '...' }).`,
    })
  }
  if (options.needsApproval !== undefined && typeof options.needsApproval !== 'boolean') {
    throw new ConfigError({
      message: `${label}: needsApproval must be true or false; got ${describeValue(options.needsApproval)}.`,
    })
  }
  const created = tool({
    name,
    description:
      options.description ??
      agent.handoffDescription ??
      `Ask the ${agent.name} agent. It answers the request in \`input\` and returns its final answer.`,
    parameters: PARAMETERS,
    needsApproval: options.needsApproval ?? false,
    // A durable run resumes the nested run instead of starting it again: safe to repeat.
    idempotent: true,
    execute: async (args, context) => {
      // Only reached outside a run loop (a registry, a workflow node): a plain run of the agent.
      const { getDefaultRuntime } = await import('../run/run.js')
      const runtime = getDefaultRuntime()
      const result = await runtime.run(agent as never, (args as unknown as AgentToolArguments).input, {
        context: context.context,
        signal: context.signal,
      })
      if (result.status !== 'completed') {
        throw new ToolError({
          toolName: name,
          callId: context.callId,
          message: `agent "${agent.name}" stopped with status ${result.status}; outside a run, an agent tool cannot wait for approvals`,
        })
      }
      return result.output
    },
  }) as unknown as Tool<AgentToolArguments, TContext>
  return Object.assign(created, { [AGENT_TOOL]: agent }) as AgentTool<TContext>
}
