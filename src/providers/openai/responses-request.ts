import type { AssistantPart, Message, UserPart } from '../../messages/message.js'
import type { ModelRequest } from '../../model/model-request.js'
import { type ChatDefaults, mergeProviderOptions } from './chat-request.js'

type Body = Record<string, unknown>

/** Builds the Responses API body of a request. */
export function responsesBody(options: {
  modelId: string
  request: ModelRequest
  defaults: ChatDefaults & { reasoningSummary?: 'auto' | 'concise' | 'detailed' | null }
  stream: boolean
}): Body {
  const { request, defaults } = options
  const body: Body = { model: options.modelId, input: responsesInput(request.messages) }
  if (request.instructions !== undefined && request.instructions !== '')
    body.instructions = request.instructions
  if (options.stream) body.stream = true
  const temperature = request.temperature ?? defaults.temperature
  if (temperature !== undefined) body.temperature = temperature
  const topP = request.topP ?? defaults.topP
  if (topP !== undefined) body.top_p = topP
  const maxTokens = request.maxOutputTokens ?? defaults.maxOutputTokens
  if (maxTokens !== undefined) body.max_output_tokens = maxTokens
  if (defaults.store !== undefined) body.store = defaults.store
  // Without server-side storage, reasoning items must travel in the conversation: ask for them encrypted.
  if (defaults.store === false) body.include = ['reasoning.encrypted_content']
  if (defaults.reasoningEffort !== undefined || defaults.reasoningSummary !== undefined) {
    body.reasoning = {
      ...(defaults.reasoningEffort === undefined ? {} : { effort: defaults.reasoningEffort }),
      summary: defaults.reasoningSummary === undefined ? 'auto' : defaults.reasoningSummary,
    }
  }
  const text: Body = {}
  if (defaults.verbosity !== undefined) text.verbosity = defaults.verbosity
  if (request.output !== undefined) {
    text.format = {
      type: 'json_schema',
      name: request.output.name,
      schema: request.output.schema,
      strict: request.output.strict,
    }
  } else if (defaults.responseFormat !== undefined) {
    text.format = defaults.responseFormat
  }
  if (Object.keys(text).length > 0) body.text = text
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters,
      strict: tool.strict,
    }))
    const choice = request.toolChoice
    body.tool_choice = typeof choice === 'string' ? choice : { type: 'function', name: choice.name }
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls
  }
  mergeProviderOptions(body, defaults.providerOptions)
  mergeProviderOptions(body, request.providerOptions?.openai)
  return body
}

function responsesInput(messages: Message[]): Body[] {
  const input: Body[] = []
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        input.push({ role: 'system', content: message.content })
        break
      case 'user':
        input.push({
          role: 'user',
          content: typeof message.content === 'string' ? message.content : message.content.map(userPart),
        })
        break
      case 'assistant':
        assistantItems(message.content, input)
        break
      case 'tool':
        input.push({ type: 'function_call_output', call_id: message.callId, output: message.content })
        break
      default:
        message satisfies never
    }
  }
  return input
}

function userPart(part: UserPart): Body {
  if (part.type === 'text') return { type: 'input_text', text: part.text }
  const url = part.url ?? `data:${part.mediaType ?? 'image/png'};base64,${part.data ?? ''}`
  return { type: 'input_image', image_url: url, detail: 'auto' }
}

function assistantItems(content: string | AssistantPart[], input: Body[]): void {
  if (typeof content === 'string') {
    input.push({ role: 'assistant', content })
    return
  }
  for (const part of content) {
    if (part.type === 'text') input.push({ role: 'assistant', content: part.text })
    else if (part.type === 'tool-call') {
      input.push({ type: 'function_call', call_id: part.callId, name: part.name, arguments: part.arguments })
    } else {
      // A reasoning item goes back only with its id (stored responses) or its encrypted content.
      const meta = part.providerMetadata?.openai
      const id = typeof meta?.itemId === 'string' ? meta.itemId : undefined
      const encrypted = typeof meta?.encryptedContent === 'string' ? meta.encryptedContent : undefined
      if (id === undefined) continue
      input.push({
        type: 'reasoning',
        id,
        summary: part.text === '' ? [] : [{ type: 'summary_text', text: part.text }],
        ...(encrypted === undefined ? {} : { encrypted_content: encrypted }),
      })
    }
  }
}
