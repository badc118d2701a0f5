import type { Agent } from '../agent/agent.js'
import { ConfigError } from '../errors/errors.js'
import type { LLMFunction } from '../functions/llm-function.js'
import { createHookChain, type HooksInput } from '../hooks/hook-chain.js'
import type { Hooks } from '../hooks/hooks.js'
import { getDefaultRuntime } from '../run/run.js'
import type { Runtime } from '../run/runtime.js'
import type { Tool } from '../tool/tool.js'
import { type JsonValue, toText } from '../util/json.js'
import type { NodeCallContext } from './node-handler.js'

/** A call of a named agent, tool or LLM function from a node. */
export type ServiceCall<TContext, TField extends string> = NodeCallContext<TContext> & { name: string } & {
  [K in TField]: JsonValue
}

/**
 * How agent, tool and function nodes reach their agents, tools and LLM functions: small
 * functions injected when a workflow is bound, so a workflow runs with the library's `run` today
 * (see {@link createWorkflowServices}) and through the Runtime's registry later. Each returns the
 * node's output (JSON). The optional name lists let `bindWorkflow` reject an unknown name early.
 */
export interface WorkflowServices<TContext = unknown> {
  runAgent?(call: ServiceCall<TContext, 'input'>): Promise<JsonValue>
  callTool?(call: ServiceCall<TContext, 'arguments'>): Promise<JsonValue>
  callFunction?(call: ServiceCall<TContext, 'input'>): Promise<JsonValue>
  agentNames?: readonly string[]
  toolNames?: readonly string[]
  functionNames?: readonly string[]
}

/** Options of {@link createWorkflowServices}. */
export interface WorkflowServicesOptions {
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
  agents?: readonly Agent<any, any>[]
  // biome-ignore lint/suspicious/noExplicitAny: tools of any argument and context type
  tools?: readonly Tool<any, any>[]
  // biome-ignore lint/suspicious/noExplicitAny: functions of any input and output type
  functions?: readonly LLMFunction<any, any, any>[]
  /**
   * The runtime agents run on (default: the default runtime of `run()`). Its model hooks also run
   * around the model calls of function nodes, as calls of the workflow's run (so `createSpend`'s
   * budgets are checked before they are sent, charged to the workflow's owner).
   */
  runtime?: Runtime
}

/**
 * Services over the library's own objects: agent nodes run an `Agent` with `runtime.stream` (its
 * events are forwarded, tagged with the node id; its `output` is the node's output), tool nodes
 * validate the arguments and call the `Tool`, function nodes call the `llmFunction`.
 *
 * @example
 * const bound = bindWorkflow(definition, { services: createWorkflowServices({ agents: [triage], tools: [lookup] }) })
 */
export function createWorkflowServices<TContext = unknown>(
  options: WorkflowServicesOptions,
): WorkflowServices<TContext> {
  const agents = byName(options.agents ?? [], (agent) => agent.name, 'agents')
  const tools = byName(options.tools ?? [], (tool) => tool.name, 'tools')
  const functions = byName(options.functions ?? [], (fn) => fn.functionName, 'functions')
  const find = <T>(map: Map<string, T>, name: string, kind: string): T => {
    const found = map.get(name)
    if (found === undefined) {
      throw new ConfigError({
        message: `No ${kind} named "${name}" (known: ${[...map.keys()].join(', ') || 'none'}). Pass it to createWorkflowServices({ ${kind}s: [...] }).`,
      })
    }
    return found
  }
  return {
    agentNames: [...agents.keys()],
    toolNames: [...tools.keys()],
    functionNames: [...functions.keys()],
    async runAgent(call) {
      const agent = find(agents, call.name, 'agent')
      const runtime = options.runtime ?? getDefaultRuntime()
      const input = typeof call.input === 'string' ? call.input : toText(call.input)
      const events = runtime.stream(agent, input, {
        signal: call.signal,
        context: call.context,
        parent: { runId: call.runId, nodeId: call.nodeId },
      })
      for await (const event of events) await call.emit(event)
      const result = await events.result
      if (result.status !== 'completed') {
        throw new ConfigError({
          message: `Agent "${call.name}" paused with status ${result.status} (a tool needs approval); approvals inside workflow nodes are not supported yet. Use a human node for the decision instead.`,
        })
      }
      return (result.output ?? null) as JsonValue
    },
    async callTool(call) {
      const tool = find(tools, call.name, 'tool')
      const parsed = await tool.parseArguments(call.arguments)
      if (!parsed.success) {
        const issues = parsed.issues
          .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
          .join('; ')
        throw new ConfigError({
          message: `Node "${call.nodeId}": the arguments of tool "${call.name}" are invalid: ${issues}. Fix the node's arguments template.`,
        })
      }
      const callId = `${call.nodeId}#${call.attempt}`
      const output = await tool.execute(parsed.value, {
        context: call.context,
        signal: call.signal,
        runId: call.runId,
        callId,
        turn: 0,
        idempotencyKey: `${call.runId}:${call.nodeId}`,
      })
      return (output ?? null) as JsonValue
    },
    async callFunction(call) {
      const fn = find(functions, call.name, 'function')
      const hooks = asCallsOf(call.runId, (options.runtime ?? getDefaultRuntime()).hooks)
      const result = await fn.run(call.input, {
        signal: call.signal,
        onEvent: (event) => call.emit(event),
        ...(hooks === undefined ? {} : { hooks }),
      })
      return (result.output ?? null) as JsonValue
    },
  }
}

function byName<T>(items: readonly T[], nameOf: (item: T) => string, field: string): Map<string, T> {
  const map = new Map<string, T>()
  for (const [index, item] of items.entries()) {
    const name = nameOf(item)
    if (typeof name !== 'string')
      throw new ConfigError({ message: `createWorkflowServices: ${field}[${index}] has no name.` })
    if (map.has(name))
      throw new ConfigError({
        message: `createWorkflowServices: two ${field} are named "${name}"; names must be unique.`,
      })
    map.set(name, item)
  }
  return map
}

/**
 * The runtime's model hooks as a function node's call sees them: each event names the workflow's
 * run (`runId`), whose owner and budgets apply, instead of the LLM function call's own id.
 */
function asCallsOf(runId: string, hooks: HooksInput<unknown>): Hooks<unknown> | undefined {
  const chain = createHookChain(hooks, undefined)
  if (!chain.hasBeforeModel && !chain.hasAfterModel) return undefined
  return {
    ...(chain.hasBeforeModel ? { beforeModel: (event) => chain.beforeModel({ ...event, runId }) } : {}),
    ...(chain.hasAfterModel
      ? { afterModel: async (event) => ({ response: await chain.afterModel({ ...event, runId }) }) }
      : {}),
  }
}
