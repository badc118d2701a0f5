/**
 * One MCP tool call that runs an agent: the run's events become progress notifications (when the
 * client sent a progress token), the request's abort signal cancels the run, and the run's end
 * becomes the tool result: the final text, plus `structuredContent` for an agent with an object
 * output schema; a failed or paused run is an error result that says why.
 *
 * @module
 */
import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server'
import type { Agent } from '../agent/agent.js'
import { describeError } from '../errors/describe-error.js'
import type { RunEvent } from '../events/run-event.js'
import type { RunResult } from '../run/run-result.js'
import type { Runtime } from '../run/runtime.js'

/** The arguments of an agent's MCP tool. */
export interface AgentToolArguments {
  input: string
  sessionId?: string
}

/** The key of the run id in a result's `_meta`. */
export const RUN_ID_META_KEY = 'agentloop/runId'

/** Runs the agent for one `tools/call` and answers with its result. */
export async function runAgentForMcp(options: {
  runtime: Runtime
  agent: Agent<unknown, unknown>
  args: AgentToolArguments
  mcp: ServerContext
  context: unknown
  timeoutMs: number | undefined
  /** Before the run starts (see `ServeMcpOptions.onRunStart`). */
  onRunStart?: (event: { runId: string; sessionId: string | undefined }) => void | Promise<void>
}): Promise<CallToolResult> {
  const { runtime, agent, args, mcp } = options
  if (args.sessionId !== undefined && runtime.storage === undefined) {
    return errorResult(
      `sessionId needs a runtime with storage; this server runs agent "${agent.name}" without one, so each call starts a new conversation. Leave sessionId out.`,
    )
  }
  const progress = progressReporter(mcp)
  const runId = crypto.randomUUID()
  try {
    await options.onRunStart?.({ runId, sessionId: args.sessionId })
  } catch (error) {
    const { name, message } = describeError(error)
    return errorResult(`The run of agent "${agent.name}" could not start (${name}): ${message}`)
  }
  const stream = runtime.stream(agent, args.input, {
    runId,
    signal: mcp.mcpReq.signal,
    context: options.context,
    ...(args.sessionId === undefined ? {} : { session: args.sessionId }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  })
  const meta = { [RUN_ID_META_KEY]: stream.runId }
  for await (const event of stream) {
    const message = progressMessage(event)
    if (message !== undefined) await progress(message)
  }
  let result: RunResult<unknown>
  try {
    result = await stream.result
  } catch (error) {
    const { name, message } = describeError(error)
    return { ...errorResult(`The run of agent "${agent.name}" failed (${name}): ${message}`), _meta: meta }
  }
  if (result.status !== 'completed') {
    const calls = result.interruptions.map((entry) => entry.toolName).join(', ')
    return {
      ...errorResult(
        `The run of agent "${agent.name}" stopped with status ${result.status} (run ${result.runId}, waiting on: ${calls}). An MCP client cannot decide approvals: resume it through the agentloop API, or serve an agent whose tools need no approval.`,
      ),
      _meta: meta,
    }
  }
  return { ...outputResult(result.output), _meta: meta }
}

/** The tool result of a final output: text, and the value itself when it is an object. */
export function outputResult(output: unknown): CallToolResult {
  const text = typeof output === 'string' ? output : JSON.stringify(output)
  const structured = typeof output === 'object' && output !== null && !Array.isArray(output)
  return {
    content: [{ type: 'text', text }],
    ...(structured ? { structuredContent: output as Record<string, unknown> } : {}),
  }
}

export function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true }
}

/**
 * Sends `notifications/progress` with a message and a count that rises by one per message. Without
 * a progress token (the client did not ask) it does nothing.
 */
export function progressReporter(mcp: ServerContext): (message: string) => Promise<void> {
  const token = mcp.mcpReq._meta?.progressToken
  if (token === undefined) return async () => {}
  let progress = 0
  return async (message) => {
    progress += 1
    try {
      await mcp.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken: token, progress, message },
      })
    } catch {
      // The client went away; the run's own cancellation follows from the request's signal.
    }
  }
}

/** What a watcher of an agent run is told: each turn, each tool call started and ended, the end. */
function progressMessage(event: RunEvent): string | undefined {
  switch (event.type) {
    case 'turn.start':
      return `turn ${event.turn}`
    case 'tool.start':
      return `calling tool ${event.toolName}`
    case 'tool.end':
      return `tool ${event.toolName} ${event.isError ? 'failed' : 'done'}`
    case 'run.end':
      return `run ${event.status}`
    default:
      return undefined
  }
}
