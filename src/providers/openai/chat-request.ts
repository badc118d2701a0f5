import type { ModelRequest } from '../../model/model-request.js'
import { toOpenAIChat } from './chat-messages.js'

/** Request quirks of OpenAI-compatible servers (set by presets; override per model). */
export interface ChatCompatibility {
  /** Field for the output limit: `max_completion_tokens` (OpenAI) or `max_tokens` (most servers). */
  maxTokensField?: 'max_completion_tokens' | 'max_tokens'
  /** Send `strict` on tools and response formats (default true; some servers reject it). */
  strictSchemas?: boolean
  /** Send `stream_options.include_usage` (default true). */
  streamUsage?: boolean
  /** Send `parallel_tool_calls` (default true; some servers reject the field). */
  parallelToolCalls?: boolean
  /** Send the instructions with role `developer` instead of `system` (o-series models prefer it). */
  developerRole?: boolean
}

/** Model-level settings an adapter sends unless the request sets them. */
export interface ChatDefaults {
  temperature?: number
  topP?: number
  maxOutputTokens?: number
  seed?: number
  store?: boolean
  reasoningEffort?: 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh'
  verbosity?: 'low' | 'medium' | 'high'
  /** `response_format` when the agent has no output schema (e.g. `{ type: 'json_object' }`). */
  responseFormat?: Record<string, unknown>
  /** Anything else, merged into the request body (also `extra_body`, merged the same way). */
  providerOptions?: Record<string, unknown>
}

type Body = Record<string, unknown>

/** Builds the Chat Completions body of a request. */
export function chatBody(options: {
  modelId: string
  request: ModelRequest
  defaults: ChatDefaults
  compatibility: ChatCompatibility
  stream: boolean
  /** The provider name: `providerOptions[provider]` is merged too (e.g. `providerOptions.ollama`). */
  provider?: string
}): Body {
  const { request, defaults, compatibility } = options
  const strict = compatibility.strictSchemas ?? true
  const body: Body = {
    model: options.modelId,
    messages: toOpenAIChat(request.messages, {
      instructions: request.instructions,
      developerRole: compatibility.developerRole === true,
      provider: options.provider ?? 'openai',
    }),
  }
  if (options.stream) {
    body.stream = true
    if (compatibility.streamUsage ?? true) body.stream_options = { include_usage: true }
  }
  const temperature = request.temperature ?? defaults.temperature
  if (temperature !== undefined) body.temperature = temperature
  const topP = request.topP ?? defaults.topP
  if (topP !== undefined) body.top_p = topP
  const maxTokens = request.maxOutputTokens ?? defaults.maxOutputTokens
  if (maxTokens !== undefined) body[compatibility.maxTokensField ?? 'max_completion_tokens'] = maxTokens
  const seed = request.seed ?? defaults.seed
  if (seed !== undefined) body.seed = seed
  if (request.stopSequences !== undefined && request.stopSequences.length > 0)
    body.stop = request.stopSequences
  if (defaults.store !== undefined) body.store = defaults.store
  if (defaults.reasoningEffort !== undefined) body.reasoning_effort = defaults.reasoningEffort
  if (defaults.verbosity !== undefined) body.verbosity = defaults.verbosity

  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        description: tool.description,
        parameters: tool.parameters,
        ...(strict && tool.strict ? { strict: true } : {}),
      },
    }))
    const choice = request.toolChoice
    body.tool_choice =
      typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } }
    if (request.parallelToolCalls !== undefined && (compatibility.parallelToolCalls ?? true)) {
      body.parallel_tool_calls = request.parallelToolCalls
    }
  }
  if (request.output !== undefined) {
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: request.output.name,
        schema: request.output.schema,
        ...(strict ? { strict: request.output.strict } : {}),
      },
    }
  } else if (defaults.responseFormat !== undefined) {
    body.response_format = defaults.responseFormat
  }
  mergeProviderOptions(body, defaults.providerOptions)
  mergeProviderOptions(body, request.providerOptions?.openai)
  if (options.provider !== undefined && options.provider !== 'openai') {
    mergeProviderOptions(body, request.providerOptions?.[options.provider])
  }
  return body
}

/** Merges pass-through options into the body; `extra_body` (as in the Python SDK) is merged flat. */
export function mergeProviderOptions(body: Body, options: Record<string, unknown> | undefined): void {
  if (options === undefined) return
  for (const [key, value] of Object.entries(options)) {
    if (key === 'extra_body' && typeof value === 'object' && value !== null) Object.assign(body, value)
    else body[key] = value
  }
}
