import type { ModelRequest } from '../../model/model-request.js'
import { toAnthropic } from './anthropic-messages.js'

type Body = Record<string, unknown>

/** Model-level settings the Anthropic adapter sends unless the request sets them. */
export interface AnthropicDefaults {
  temperature?: number
  topP?: number
  topK?: number
  /** `max_tokens` (required by the API; default: the model's known output limit, else 4096). */
  maxOutputTokens?: number
  /** Extended thinking with this token budget (must be below max tokens). */
  thinking?: { budgetTokens: number } | { type: 'adaptive' }
  /**
   * Prompt caching: marks the system prompt, the last tool and the last message as cache
   * breakpoints. Also settable per request as `providerOptions.anthropic.cacheControl`.
   */
  cacheControl?: { type: 'ephemeral'; ttl?: '5m' | '1h' }
  /** Anything else, merged into the request body. */
  providerOptions?: Record<string, unknown>
}

/** Builds the Messages API body of a request. */
export function anthropicBody(options: {
  modelId: string
  request: ModelRequest
  defaults: AnthropicDefaults
  maxTokens: number
  stream: boolean
}): Body {
  const { request, defaults } = options
  const passThrough: Record<string, unknown> = {
    ...defaults.providerOptions,
    ...request.providerOptions?.anthropic,
  }
  const cacheControl = (passThrough.cacheControl ?? defaults.cacheControl) as Body | undefined
  delete passThrough.cacheControl

  const conversation = toAnthropic(request.messages, { instructions: request.instructions })
  const system = conversation.system ?? ''
  const messages = conversation.messages as unknown as Body[]
  const body: Body = {
    model: options.modelId,
    max_tokens: request.maxOutputTokens ?? defaults.maxOutputTokens ?? options.maxTokens,
    messages,
  }
  if (system !== '') {
    body.system =
      cacheControl === undefined ? system : [{ type: 'text', text: system, cache_control: cacheControl }]
  }
  if (options.stream) body.stream = true
  const temperature = request.temperature ?? defaults.temperature
  if (temperature !== undefined) body.temperature = temperature
  const topP = request.topP ?? defaults.topP
  if (topP !== undefined) body.top_p = topP
  if (defaults.topK !== undefined) body.top_k = defaults.topK
  if (request.stopSequences !== undefined && request.stopSequences.length > 0)
    body.stop_sequences = request.stopSequences
  if (defaults.thinking !== undefined) {
    body.thinking =
      'budgetTokens' in defaults.thinking
        ? { type: 'enabled', budget_tokens: defaults.thinking.budgetTokens }
        : defaults.thinking
  }
  if (request.tools.length > 0) {
    const tools: Body[] = request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.parameters,
    }))
    const last = tools[tools.length - 1]
    if (cacheControl !== undefined && last !== undefined) last.cache_control = cacheControl
    body.tools = tools
    const choice = request.toolChoice
    const disable = request.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {}
    if (choice === 'none') body.tool_choice = { type: 'none' }
    else if (choice === 'auto') body.tool_choice = { type: 'auto', ...disable }
    else if (choice === 'required') body.tool_choice = { type: 'any', ...disable }
    else body.tool_choice = { type: 'tool', name: choice.name, ...disable }
  }
  if (request.output !== undefined)
    body.output_config = { format: { type: 'json_schema', schema: request.output.schema } }
  if (cacheControl !== undefined) markLastMessage(messages, cacheControl)
  Object.assign(body, passThrough)
  return body
}

function markLastMessage(messages: Body[], cacheControl: Body): void {
  const content = messages[messages.length - 1]?.content as Body[] | undefined
  const block = content?.[content.length - 1]
  if (block !== undefined) block.cache_control = cacheControl
}
