import type { AssistantPart, Message, UserPart } from '../../messages/message.js'
import type { ModelRequest } from '../../model/model-request.js'
import { parseJson } from '../../util/json.js'

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

  let system = request.instructions ?? ''
  const messages: Body[] = []
  for (const message of request.messages) {
    if (message.role === 'system')
      system = system === '' ? message.content : `${system}\n\n${message.content}`
    else push(messages, anthropicMessage(message))
  }
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

/** Consecutive messages of one role are merged: the API wants user and assistant turns to alternate. */
function push(messages: Body[], message: Body): void {
  const last = messages[messages.length - 1]
  if (last !== undefined && last.role === message.role) {
    last.content = [...(last.content as Body[]), ...(message.content as Body[])]
  } else {
    messages.push(message)
  }
}

function markLastMessage(messages: Body[], cacheControl: Body): void {
  const content = messages[messages.length - 1]?.content as Body[] | undefined
  const block = content?.[content.length - 1]
  if (block !== undefined) block.cache_control = cacheControl
}

function anthropicMessage(message: Exclude<Message, { role: 'system' }>): Body {
  switch (message.role) {
    case 'user':
      return {
        role: 'user',
        content:
          typeof message.content === 'string'
            ? [{ type: 'text', text: message.content }]
            : message.content.map(userBlock),
      }
    case 'assistant':
      return { role: 'assistant', content: assistantBlocks(message.content) }
    case 'tool':
      return {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: message.callId,
            content: message.content,
            ...(message.isError === true ? { is_error: true } : {}),
          },
        ],
      }
    default:
      return message satisfies never
  }
}

function userBlock(part: UserPart): Body {
  if (part.type === 'text') return { type: 'text', text: part.text }
  if (part.url !== undefined) return { type: 'image', source: { type: 'url', url: part.url } }
  return {
    type: 'image',
    source: { type: 'base64', media_type: part.mediaType ?? 'image/png', data: part.data ?? '' },
  }
}

function assistantBlocks(content: string | AssistantPart[]): Body[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  const blocks: Body[] = []
  for (const part of content) {
    if (part.type === 'text') {
      if (part.text !== '') blocks.push({ type: 'text', text: part.text })
    } else if (part.type === 'tool-call') {
      const parsed = parseJson(part.arguments === '' ? '{}' : part.arguments)
      const input = parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? parsed.value : {}
      blocks.push({ type: 'tool_use', id: part.callId, name: part.name, input })
    } else if (part.redacted === true) {
      const data = part.providerMetadata?.anthropic?.data
      if (typeof data === 'string') blocks.push({ type: 'redacted_thinking', data })
    } else if (part.signature !== undefined) {
      // Thinking goes back only with its signature (the API verifies it); unsigned reasoning is dropped.
      blocks.push({ type: 'thinking', thinking: part.text, signature: part.signature })
    }
  }
  return blocks
}
