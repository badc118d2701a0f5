import type {
  LanguageModelV3CallOptions,
  LanguageModelV3FunctionTool,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  SharedV3ProviderOptions,
} from '@ai-sdk/provider'
import type { Message, ProviderMetadata, UserPart } from '../../messages/message.js'
import type { ModelRequest } from '../../model/model-request.js'
import { parseJson } from '../../util/json.js'

/** Translates an agentloop request into AI SDK (language model spec v3) call options. */
export function aiSdkCallOptions(
  request: ModelRequest,
  abortSignal: AbortSignal,
): LanguageModelV3CallOptions {
  const options: LanguageModelV3CallOptions = { prompt: aiSdkPrompt(request), abortSignal }
  if (request.maxOutputTokens !== undefined) options.maxOutputTokens = request.maxOutputTokens
  if (request.temperature !== undefined) options.temperature = request.temperature
  if (request.topP !== undefined) options.topP = request.topP
  if (request.seed !== undefined) options.seed = request.seed
  if (request.stopSequences !== undefined) options.stopSequences = request.stopSequences
  if (request.providerOptions !== undefined)
    options.providerOptions = request.providerOptions as SharedV3ProviderOptions
  if (request.tools.length > 0) {
    options.tools = request.tools.map(
      (tool): LanguageModelV3FunctionTool => ({
        type: 'function',
        name: tool.name,
        description: tool.description,
        inputSchema: tool.parameters as LanguageModelV3FunctionTool['inputSchema'],
        strict: tool.strict,
      }),
    )
    const choice = request.toolChoice
    options.toolChoice =
      typeof choice === 'string' ? { type: choice } : { type: 'tool', toolName: choice.name }
  }
  if (request.output !== undefined) {
    options.responseFormat = {
      type: 'json',
      name: request.output.name,
      schema: request.output.schema as NonNullable<
        Extract<LanguageModelV3CallOptions['responseFormat'], { type: 'json' }>['schema']
      >,
    }
  }
  return options
}

function aiSdkPrompt(request: ModelRequest): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Prompt = []
  if (request.instructions !== undefined && request.instructions !== '') {
    prompt.push({ role: 'system', content: request.instructions })
  }
  for (const message of request.messages) {
    const next = aiSdkMessage(message)
    const last = prompt[prompt.length - 1]
    // Parallel tool results travel in one tool message.
    if (next.role === 'tool' && last?.role === 'tool') last.content.push(...next.content)
    else prompt.push(next)
  }
  return prompt
}

function aiSdkMessage(message: Message): LanguageModelV3Message {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content }
    case 'user':
      return {
        role: 'user',
        content:
          typeof message.content === 'string'
            ? [{ type: 'text', text: message.content }]
            : message.content.map(userPart),
      }
    case 'assistant': {
      if (typeof message.content === 'string')
        return { role: 'assistant', content: [{ type: 'text', text: message.content }] }
      const content: Extract<LanguageModelV3Message, { role: 'assistant' }>['content'] = []
      for (const part of message.content) {
        if (part.type === 'text') content.push({ type: 'text', text: part.text })
        else if (part.type === 'reasoning') {
          content.push({
            type: 'reasoning',
            text: part.text,
            ...(part.providerMetadata === undefined
              ? {}
              : { providerOptions: part.providerMetadata as SharedV3ProviderOptions }),
          })
        } else {
          const parsed = parseJson(part.arguments === '' ? '{}' : part.arguments)
          const providerOptions = toolCallOptions(part.providerMetadata)
          content.push({
            type: 'tool-call',
            toolCallId: part.callId,
            toolName: part.name,
            input: parsed.ok ? parsed.value : {},
            ...(providerOptions === undefined ? {} : { providerOptions }),
          })
        }
      }
      return { role: 'assistant', content }
    }
    case 'tool':
      return {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: message.callId,
            toolName: message.toolName,
            output:
              message.isError === true
                ? { type: 'error-text', value: message.content }
                : { type: 'text', value: message.content },
          },
        ],
      }
    default:
      return message satisfies never
  }
}

/**
 * The provider data of a tool call, sent back as the AI SDK's `providerOptions`. A Gemini thought
 * signature is also given as `google.thoughtSignature`: the AI SDK's OpenAI-compatible provider
 * reports it under its own name but reads it back only from `google`.
 */
function toolCallOptions(metadata: ProviderMetadata | undefined): SharedV3ProviderOptions | undefined {
  if (metadata === undefined) return undefined
  const options = { ...metadata } as SharedV3ProviderOptions
  const signature = Object.values(metadata).find((entry) => typeof entry.thoughtSignature === 'string')
  if (signature !== undefined && options.google === undefined)
    options.google = { thoughtSignature: signature.thoughtSignature as string }
  return options
}

function userPart(part: UserPart): Extract<LanguageModelV3Message, { role: 'user' }>['content'][number] {
  if (part.type === 'text') return { type: 'text', text: part.text }
  return {
    type: 'file',
    mediaType: part.mediaType ?? 'image/*',
    data: part.url !== undefined ? new URL(part.url) : (part.data ?? ''),
  }
}
