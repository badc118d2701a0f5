/**
 * A runtime as an MCP server: one tool per agent (input `{ input, sessionId? }`, output the final
 * text) and one per LLM function (its own input schema, output the JSON of its result). The same
 * factory backs stdio (`serveMcpStdio`) and Streamable HTTP (`createMcpHttpHandler`).
 *
 * @module
 */
import type { AuthInfo, McpServer, ServerContext } from '@modelcontextprotocol/server'
import type { Agent } from '../agent/agent.js'
import { checkOptionKeys, describeValue } from '../errors/check-options.js'
import { describeError } from '../errors/describe-error.js'
import { ConfigError } from '../errors/errors.js'
import { importOptionalPeer } from '../errors/optional-peer.js'
import type { JsonSchema } from '../model/model-request.js'
import type { Runtime } from '../run/runtime.js'
import { acceptsNull } from '../tool/strict-schema.js'
import type { Tool } from '../tool/tool.js'
import { type AgentToolArguments, errorResult, outputResult, runAgentForMcp } from './run-as-mcp-tool.js'
import { type McpServableWorkflow, runWorkflowForMcp, workflowInputSchema } from './serve-workflow.js'

/** An LLM function (from `agentloop/functions`), as far as serving it needs. */
export interface McpServableFunction {
  readonly functionName: string
  run(input: never, options?: { signal?: AbortSignal }): Promise<{ output: unknown; runId: string }>
  asTool(): Tool<unknown>
}

/** Who called, as your `authenticate` (HTTP) found out. */
export interface McpCaller {
  /** Who it is (an API key's owner); it names the caller to the MCP SDK, never to the model. */
  id: string
  scopes?: readonly string[]
  /** Which credential it used (an API key's id, never the key), for usage records. */
  keyId?: string
}

/** Options of `serveMcpStdio` and `createMcpHttpHandler`. */
export interface ServeMcpOptions {
  /** The server's name in the MCP handshake (default `agentloop`). */
  name?: string
  /** The server's version in the handshake (default `0.1.0`). */
  version?: string
  /** Sent to clients in the handshake: how to use these tools. */
  instructions?: string
  /** The agents to serve (default: the runtime's `agents`). */
  agents?: readonly Agent<never, unknown>[]
  /** LLM functions to serve as tools too (default none). */
  functions?: readonly McpServableFunction[]
  /** Bound workflows (`bindWorkflow(...)`) to serve as tools too (default none). */
  workflows?: readonly McpServableWorkflow[]
  /** A description per agent name, for the model of the MCP client (default: a generic one). */
  descriptions?: Readonly<Record<string, string>>
  /** The run context of each call (never sent to the model or stored); given the HTTP caller, if any. */
  context?: (event: { caller: McpCaller | undefined }) => unknown
  /** Fails a run that takes longer than this (default: the runtime's `timeoutMs`). */
  timeoutMs?: number
  /**
   * Called before an agent's run starts, with its id, the session it continues (as stored) and the
   * caller: record who owns it. A throw fails the call with an error result and nothing runs.
   */
  onRunStart?: (event: {
    runId: string
    agentName: string
    sessionId: string | undefined
    caller: McpCaller | undefined
  }) => void | Promise<void>
  /**
   * Errors outside a call (a broken connection, a rejected request). Default: a line on stderr for
   * stdio; nothing for HTTP (the client gets its answer; pass your logger).
   */
  onError?: (error: Error) => void
}

const OPTION_KEYS = [
  'name',
  'version',
  'instructions',
  'agents',
  'functions',
  'workflows',
  'descriptions',
  'context',
  'timeoutMs',
  'onError',
  'onRunStart',
]

/** What the server serves, checked once. */
export interface ServedSurface {
  options: ServeMcpOptions
  agents: readonly Agent<unknown, unknown>[]
  functions: readonly McpServableFunction[]
  workflows: readonly McpServableWorkflow[]
}

/** Checks the options and finds the agents; throws a `ConfigError` naming the field. */
export function resolveServeOptions(
  runtime: Runtime,
  options: ServeMcpOptions,
  extraKeys: readonly string[],
  field: string,
): ServedSurface {
  if (typeof runtime?.stream !== 'function') {
    throw new ConfigError({
      message: `${field}: the first argument must be a Runtime; got ${describeValue(runtime)}.`,
    })
  }
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError({ message: `${field}: options must be an object; got ${describeValue(options)}.` })
  }
  checkOptionKeys(options, [...OPTION_KEYS, ...extraKeys], field)
  if (options.onRunStart !== undefined && typeof options.onRunStart !== 'function') {
    throw new ConfigError({
      message: `${field}: onRunStart must be a function ({ runId, agentName, sessionId, caller }) => void; got ${describeValue(options.onRunStart)}.`,
    })
  }
  const agents = (options.agents ?? runtime.agents) as readonly Agent<unknown, unknown>[]
  const functions = options.functions ?? []
  const workflows = options.workflows ?? []
  if (agents.length + functions.length + workflows.length === 0) {
    throw new ConfigError({
      message: `${field}: there is nothing to serve. Register agents with new Runtime({ agents: [...] }) or pass agents / functions / workflows in the options.`,
    })
  }
  const names = new Set<string>()
  for (const name of [
    ...agents.map((agent) => agent.name),
    ...functions.map((fn) => fn.functionName),
    ...workflows.map((workflow) => workflow.name),
  ]) {
    if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(name)) {
      throw new ConfigError({
        message: `${field}: "${name}" cannot be an MCP tool name (1-128 letters, digits, "_", "-", "."). Rename the agent or function.`,
      })
    }
    if (names.has(name)) {
      throw new ConfigError({
        message: `${field}: two agents, functions or workflows are named "${name}"; MCP tool names must be unique.`,
      })
    }
    names.add(name)
  }
  return { options, agents, functions, workflows }
}

/** Builds one McpServer (the SDK asks for one per connection or per HTTP request). */
export async function buildMcpServer(
  runtime: Runtime,
  surface: ServedSurface,
  caller: McpCaller | undefined,
): Promise<McpServer> {
  const { McpServer, fromJsonSchema } = await loadServerPackage()
  const { options } = surface
  const server = new McpServer(
    { name: options.name ?? 'agentloop', version: options.version ?? '0.1.0' },
    options.instructions === undefined ? {} : { instructions: options.instructions },
  )
  const context = () => options.context?.({ caller })
  const timeoutMs = options.timeoutMs ?? runtime.timeoutMs
  for (const agent of surface.agents) {
    const output = agent.outputSchema?.jsonSchema
    server.registerTool(
      agent.name,
      {
        description:
          options.descriptions?.[agent.name] ??
          `Ask the agent "${agent.name}": give it a task or question as input; its final answer is the result. Pass the same sessionId to continue a conversation.`,
        inputSchema: fromJsonSchema<AgentToolArguments>(AGENT_INPUT_SCHEMA),
        ...(output?.type === 'object' ? { outputSchema: fromJsonSchema(lenientOutputSchema(output)) } : {}),
      },
      (args: AgentToolArguments, mcp: ServerContext) =>
        runAgentForMcp({
          runtime,
          agent,
          // Over HTTP a session belongs to its caller: another key cannot read it by guessing its id.
          args:
            caller === undefined || args.sessionId === undefined
              ? args
              : { ...args, sessionId: `mcp:${caller.id}:${args.sessionId}` },
          mcp,
          context: context(),
          timeoutMs,
          ...(options.onRunStart === undefined
            ? {}
            : {
                onRunStart: (event: { runId: string; sessionId: string | undefined }) =>
                  options.onRunStart?.({ ...event, agentName: agent.name, caller }),
              }),
        }),
    )
  }
  for (const fn of surface.functions) {
    const asTool = fn.asTool()
    server.registerTool(
      fn.functionName,
      {
        description: asTool.description,
        inputSchema: fromJsonSchema<Record<string, unknown>>(asTool.parameters as JsonSchema & object),
      },
      async (args: Record<string, unknown>, mcp: ServerContext) => {
        try {
          const result = await fn.run(args as never, { signal: mcp.mcpReq.signal })
          return outputResult(result.output)
        } catch (error) {
          const { name, message } = describeError(error)
          return errorResult(`The function "${fn.functionName}" failed (${name}): ${message}`)
        }
      },
    )
  }
  for (const workflow of surface.workflows) {
    server.registerTool(
      workflow.name,
      {
        description: workflow.definition.description ?? `Run the workflow "${workflow.name}".`,
        inputSchema: fromJsonSchema<Record<string, unknown>>(
          workflowInputSchema(workflow) as JsonSchema & object,
        ),
      },
      (args: Record<string, unknown>, mcp: ServerContext) =>
        runWorkflowForMcp({ workflow, args, mcp, context: context() }),
    )
  }
  return server
}

/**
 * The output schema clients validate `structuredContent` against. The agent's is in strict form
 * (every property required, optional ones nullable), which an output that leaves an optional
 * property out would fail: properties that accept null are made optional again.
 */
export function lenientOutputSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema }
  const properties = schema.properties as Record<string, JsonSchema> | undefined
  if (properties !== undefined && typeof properties === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([key, property]) => [key, lenientOutputSchema(property)]),
    )
    if (Array.isArray(schema.required)) {
      out.required = (schema.required as string[]).filter(
        (key) => properties[key] === undefined || !acceptsNull(properties[key]),
      )
    }
  }
  if (Array.isArray(schema.anyOf))
    out.anyOf = schema.anyOf.map((variant: JsonSchema) => lenientOutputSchema(variant))
  if (typeof schema.items === 'object' && schema.items !== null && !Array.isArray(schema.items)) {
    out.items = lenientOutputSchema(schema.items as JsonSchema)
  }
  return out
}

/** Where errors outside a call go when the options name no `onError`. */
export function reportTo(options: ServeMcpOptions): (error: Error) => void {
  return options.onError ?? ((error) => process.stderr.write(`agentloop mcp: ${error.message}\n`))
}

/** The caller as the MCP SDK carries it: the key itself is never put there. */
export function authInfoOf(caller: McpCaller): AuthInfo {
  return {
    token: '',
    clientId: caller.id,
    scopes: [...(caller.scopes ?? [])],
    ...(caller.keyId === undefined ? {} : { extra: { keyId: caller.keyId } }),
  }
}

const AGENT_INPUT_SCHEMA = {
  type: 'object',
  properties: {
    input: { type: 'string', minLength: 1, description: 'The task or question for the agent.' },
    sessionId: {
      type: 'string',
      description: 'Continue this conversation (optional; the server must keep sessions).',
    },
  },
  required: ['input'],
  additionalProperties: false,
} as const

export function loadServerPackage(): Promise<typeof import('@modelcontextprotocol/server')> {
  return importOptionalPeer(() => import('@modelcontextprotocol/server'), {
    packageName: '@modelcontextprotocol/server',
    subpath: 'agentloop/mcp',
  })
}
