/**
 * MCP tools as agentloop tools: the server's JSON Schema is passed through (in strict form where it
 * allows), the call goes to the server with the run's abort signal (an abort sends MCP
 * cancellation), and the result's content becomes the tool result the model reads; a result with
 * `isError` becomes an error result.
 *
 * @module
 */
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/client'
import { ToolError } from '../errors/errors.js'
import type { JsonSchema } from '../model/model-request.js'
import { type Tool, type ToolContext, tool } from '../tool/tool.js'
import type { McpApproval, McpClientSettings } from './mcp-client-options.js'

/** Calls a tool on the server; given by the connection (it reconnects when needed). */
export type CallMcpTool = (
  name: string,
  args: Record<string, unknown>,
  options: { signal: AbortSignal; timeoutMs: number },
) => Promise<CallToolResult>

/** Turns the server's tool list into agentloop tools, applying include/exclude and the settings. */
export function toAgentTools(
  tools: readonly McpTool[],
  settings: McpClientSettings & { timeoutMs: number; strict: boolean },
  call: CallMcpTool,
): Tool<unknown, unknown>[] {
  const out: Tool<unknown, unknown>[] = []
  const seen = new Set<string>()
  for (const listed of tools) {
    if (settings.include !== undefined && !settings.include.includes(listed.name)) continue
    if (settings.exclude?.includes(listed.name) === true) continue
    let name = agentToolName(settings.toolNamePrefix ?? '', listed.name)
    // Two server names that clean up to the same agent name get numbered.
    for (let index = 2; seen.has(name); index++) name = `${name.slice(0, 60)}_${index}`
    try {
      out.push(toAgentTool(listed, name, settings, call))
      seen.add(name)
    } catch (error) {
      // One tool agentloop cannot offer (its schema is not an object) must not hide the others.
      settings.onError?.({
        server: settings.name,
        error: new Error(
          `MCP server "${settings.name}": tool "${listed.name}" is left out: ${(error as Error).message}`,
          { cause: error },
        ),
      })
    }
  }
  return out
}

/** The name the model sees: the prefix, then the server's name with other characters as `_`. */
export function agentToolName(prefix: string, serverName: string): string {
  return `${prefix}${serverName.replace(/[^a-zA-Z0-9_-]/g, '_')}`.slice(0, 64) || 'tool'
}

function toAgentTool(
  listed: McpTool,
  name: string,
  settings: McpClientSettings & { timeoutMs: number; strict: boolean },
  call: CallMcpTool,
): Tool<unknown, unknown> {
  const own = settings.tools?.[listed.name]
  const timeoutMs = own?.timeoutMs ?? settings.timeoutMs
  const approval = own?.needsApproval ?? settings.needsApproval
  const parameters = inputSchemaOf(listed)
  const definition = {
    name,
    description: own?.description ?? listed.description ?? listed.title ?? `The MCP tool ${listed.name}.`,
    parameters,
    strict: settings.strict,
    timeoutMs,
    idempotent: own?.idempotent ?? listed.annotations?.readOnlyHint === true,
    needsApproval: approvalOf(approval, name, listed.name),
    async execute(args: Record<string, unknown>, context: ToolContext<unknown>) {
      const result = await call(listed.name, args, { signal: context.signal, timeoutMs })
      const text = resultText(result)
      if (result.isError === true) {
        throw new ToolError({
          toolName: name,
          callId: context.callId,
          message: text === '' ? `MCP tool "${listed.name}" failed without a message` : text,
        })
      }
      return text
    },
  }
  const made = tool(definition) as Tool<unknown, unknown>
  return { ...made, parseArguments: lenientValidation(made) }
}

/**
 * The server validates arguments itself, so a schema feature agentloop cannot check locally
 * (the validator is built from JSON Schema with zod) must not make the tool unusable: such
 * arguments pass through when they are an object.
 */
function lenientValidation(made: Tool<unknown, unknown>): Tool<unknown, unknown>['parseArguments'] {
  let local = true
  return async (value) => {
    if (local) {
      try {
        return await made.parseArguments(value)
      } catch {
        local = false
      }
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return { success: true, value }
    }
    return { success: false, issues: [{ path: [], message: 'expected an object of named arguments' }] }
  }
}

/** The tool's input schema as the model should see it: no `$schema`, always an object. */
function inputSchemaOf(listed: McpTool): JsonSchema {
  const schema: JsonSchema = { ...(listed.inputSchema as JsonSchema) }
  delete schema.$schema
  if (schema.type === undefined) schema.type = 'object'
  if (schema.type === 'object' && schema.properties === undefined) schema.properties = {}
  return schema
}

function approvalOf(
  approval: McpApproval | undefined,
  toolName: string,
  serverToolName: string,
): boolean | ((args: Record<string, unknown>, context: ToolContext<unknown>) => Promise<boolean>) {
  if (typeof approval !== 'function') return approval === true
  return async (args, context) =>
    (await approval({ toolName, serverToolName, arguments: args, context })) === true
}

/**
 * The text the model reads: text blocks as they are, embedded text resources by their text, and
 * a short note for what a model cannot read from text (images, audio, binary resources, links).
 * When the server sent only `structuredContent`, that as JSON.
 */
export function resultText(result: CallToolResult): string {
  const parts: string[] = []
  for (const block of result.content ?? []) {
    switch (block.type) {
      case 'text':
        parts.push(block.text)
        break
      case 'image':
      case 'audio':
        parts.push(`[${block.type} ${block.mimeType}, ${Math.round((block.data.length * 3) / 4)} bytes]`)
        break
      case 'resource': {
        const resource = block.resource
        parts.push(
          'text' in resource && typeof resource.text === 'string'
            ? resource.text
            : `[resource ${resource.uri}${resource.mimeType === undefined ? '' : `, ${resource.mimeType}`}]`,
        )
        break
      }
      case 'resource_link':
        parts.push(`[resource link ${block.uri}${block.name === undefined ? '' : ` (${block.name})`}]`)
        break
      default:
        parts.push(`[${(block as { type: string }).type} content]`)
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined) {
    return JSON.stringify(result.structuredContent)
  }
  return parts.join('\n')
}
