/**
 * A bound workflow (from `agentloop/workflows`) as an MCP tool: its input JSON Schema is the tool's,
 * each node that starts is a progress notification, the request's abort cancels the run, and the
 * end node's output is the result. A run that pauses for input or review is an error result.
 *
 * @module
 */
import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server'
import { describeError } from '../errors/describe-error.js'
import type { JsonSchema } from '../model/model-request.js'
import type { JsonObject } from '../util/json.js'
import type { WorkflowEvent } from '../workflows/workflow-event.js'
import type { WorkflowResult } from '../workflows/execute-workflow.js'
import { errorResult, outputResult, progressReporter, RUN_ID_META_KEY } from './run-as-mcp-tool.js'

/** A bound workflow (`bindWorkflow(definition, ...)`), as far as serving it needs. */
export interface McpServableWorkflow {
  readonly name: string
  readonly definition: { readonly description?: string; readonly input?: JsonSchema }
  run(
    input: JsonObject,
    options: {
      signal?: AbortSignal
      context?: never
      onEvent?: (event: WorkflowEvent) => void | Promise<void>
    },
  ): Promise<WorkflowResult>
}

/** The tool's input schema: the workflow's, or any object when it declares none. */
export function workflowInputSchema(workflow: McpServableWorkflow): JsonSchema {
  const input = workflow.definition.input
  return input?.type === 'object' ? input : { type: 'object', properties: {}, additionalProperties: true }
}

/** Runs the workflow for one `tools/call`. */
export async function runWorkflowForMcp(options: {
  workflow: McpServableWorkflow
  args: Record<string, unknown>
  mcp: ServerContext
  context: unknown
}): Promise<CallToolResult> {
  const { workflow, mcp } = options
  const progress = progressReporter(mcp)
  let result: WorkflowResult
  try {
    result = await workflow.run(options.args as JsonObject, {
      signal: mcp.mcpReq.signal,
      context: options.context as never,
      onEvent: (event) => (event.type === 'node.start' ? progress(`node ${event.nodeId}`) : undefined),
    })
  } catch (error) {
    const { name, message } = describeError(error)
    return errorResult(`The workflow "${workflow.name}" failed (${name}): ${message}`)
  }
  const meta = { [RUN_ID_META_KEY]: result.runId }
  if (result.status !== 'completed') {
    const waiting = [...result.waiting.map((entry) => entry.nodeId), ...result.interrupted].join(', ')
    return {
      ...errorResult(
        `The workflow "${workflow.name}" stopped with status ${result.status} (run ${result.runId}, at: ${waiting}). An MCP client cannot answer it: resume the run through your own code.`,
      ),
      _meta: meta,
    }
  }
  return { ...outputResult(result.output ?? null), _meta: meta }
}
