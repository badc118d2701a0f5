/**
 * The agent one `/v1/chat/completions` request runs: the served agent itself, or a copy with the
 * request's settings (temperature, max tokens...) and the client's tools. A client tool is added
 * with `needsApproval`, so a call of it pauses the run and goes back to the client as a tool call;
 * the agent's own tools run on the server.
 *
 * @module
 */
import { Agent } from '../agent/agent.js'
import type { ModelSettings } from '../model/model-request.js'
import { type Tool, tool } from '../tool/tool.js'
import { HttpError } from './http-error.js'
import type { ChatCompletionRequest } from './openai-messages.js'

/** The agent for a request, and the names of the client's tools. */
export function agentForRequest(
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
  base: Agent<any, any>,
  body: ChatCompletionRequest,
  hasStorage: boolean,
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
): { agent: Agent<any, any>; clientTools: Set<string> } {
  const settings: ModelSettings = { ...base.modelSettings }
  if (body.temperature != null) settings.temperature = body.temperature
  if (body.top_p != null) settings.topP = body.top_p
  const maxTokens = body.max_completion_tokens ?? body.max_tokens
  if (maxTokens != null) settings.maxOutputTokens = maxTokens
  if (body.stop != null) settings.stopSequences = typeof body.stop === 'string' ? [body.stop] : body.stop
  if (body.seed != null) settings.seed = body.seed
  const clientTools = new Set<string>()
  const extra: Tool<unknown, unknown>[] = []
  for (const [index, entry] of (body.tools ?? []).entries()) {
    const name = entry.function.name
    if (base.getTool(name) !== undefined || clientTools.has(name)) {
      throw new HttpError({
        type: 'invalid_request',
        field: `body.tools[${index}].function.name`,
        message: `tools[${index}].function.name: "${name}" is ${clientTools.has(name) ? 'given twice' : 'a tool the agent runs on the server'}; rename the client tool.`,
      })
    }
    if (!hasStorage) {
      throw new HttpError({
        type: 'invalid_request',
        field: 'body.tools',
        message:
          'tools: client tools pause the run until the client answers, which needs a runtime with storage; this server has none.',
      })
    }
    clientTools.add(name)
    extra.push(
      tool({
        name,
        description: entry.function.description ?? '',
        parameters: (entry.function.parameters ?? { type: 'object', properties: {} }) as Record<
          string,
          unknown
        >,
        strict: false,
        needsApproval: true,
        execute: () => {
          throw new Error(`Tool "${name}" is run by the client.`)
        },
      }) as Tool<unknown, unknown>,
    )
  }
  const toolChoice =
    body.tool_choice == null
      ? base.toolChoice
      : typeof body.tool_choice === 'string'
        ? body.tool_choice
        : { name: body.tool_choice.function.name }
  const unchanged =
    extra.length === 0 &&
    body.tool_choice == null &&
    body.parallel_tool_calls == null &&
    JSON.stringify(settings) === JSON.stringify(base.modelSettings)
  if (unchanged) return { agent: base, clientTools }
  return {
    agent: new Agent({
      name: base.name,
      instructions: base.instructions,
      model: base.model,
      tools: [...base.tools, ...extra],
      toolChoice,
      parallelToolCalls: body.parallel_tool_calls ?? base.parallelToolCalls,
      maxTurns: base.maxTurns,
      modelSettings: settings,
      hooks: base.hooks,
      ...(base.outputSchema === undefined ? {} : { output: base.outputSchema.jsonSchema }),
    }),
    clientTools,
  }
}
