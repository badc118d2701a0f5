import { ModelError } from '../errors/errors.js'
import type { AssistantPart, ReasoningPart, TextPart, ToolCallPart } from '../messages/message.js'
import { type ModelResponse, textOfContent } from './model-response.js'
import type { ModelStreamPart } from './model-stream-part.js'

/** Assembles streamed parts into a `ModelResponse`, one part at a time. */
export interface ResponseCollector {
  add(part: ModelStreamPart): void
  /** The complete response. Throws `ModelError` if the stream never sent its `finish` part. */
  response(): ModelResponse
}

/** Creates a collector for one model call of the named provider. */
export function createResponseCollector(provider: string): ResponseCollector {
  const content: AssistantPart[] = []
  let text: TextPart | undefined
  let reasoning: ReasoningPart | undefined
  let toolCalls: Map<string, ToolCallPart> | undefined
  let finished: ModelResponse | undefined
  let responseId: string | undefined
  let modelId: string | undefined

  /** The call with this id; `start` always opens a new one (servers may repeat or leave ids empty). */
  function toolCall(callId: string, start: boolean): ToolCallPart {
    let call = start ? undefined : toolCalls?.get(callId)
    if (call === undefined) {
      call = { type: 'tool-call', callId, name: '', arguments: '' }
      toolCalls ??= new Map()
      toolCalls.set(callId, call)
      content.push(call)
      text = undefined
      reasoning = undefined
    }
    return call
  }

  return {
    add(part) {
      switch (part.type) {
        case 'response.start':
          // The first non-empty value wins: some servers (Azure) open with a chunk of empty ids.
          if (responseId === undefined && part.responseId) responseId = part.responseId
          if (modelId === undefined && part.modelId) modelId = part.modelId
          return
        case 'text.delta':
          if (text === undefined) {
            text = { type: 'text', text: '' }
            content.push(text)
            reasoning = undefined
          }
          text.text += part.delta
          return
        case 'reasoning.delta':
          if (reasoning === undefined) {
            reasoning = { type: 'reasoning', text: '' }
            content.push(reasoning)
            text = undefined
          }
          reasoning.text += part.delta
          return
        case 'reasoning.end': {
          const block = reasoning ?? { type: 'reasoning', text: '' }
          if (reasoning === undefined) content.push(block)
          if (part.signature !== undefined) block.signature = part.signature
          if (part.redacted !== undefined) block.redacted = part.redacted
          if (part.providerMetadata !== undefined) block.providerMetadata = part.providerMetadata
          reasoning = undefined
          return
        }
        case 'tool.call.start': {
          const call = toolCall(part.callId, true)
          call.name = part.name
          if (part.providerMetadata !== undefined) call.providerMetadata = part.providerMetadata
          return
        }
        case 'tool.call.delta':
          toolCall(part.callId, false).arguments += part.delta
          return
        case 'tool.call.end': {
          const call = part.providerMetadata === undefined ? undefined : toolCalls?.get(part.callId)
          if (call !== undefined)
            call.providerMetadata = { ...call.providerMetadata, ...part.providerMetadata }
          return
        }
        case 'finish':
          // A call whose arguments never arrived had no input: its arguments are `{}`, never "".
          for (const call of toolCalls?.values() ?? []) if (call.arguments === '') call.arguments = '{}'
          finished = {
            content,
            finishReason: part.finishReason,
            usage: part.usage,
            outputText: textOfContent(content),
          }
          if (responseId !== undefined) finished.responseId = responseId
          if (modelId !== undefined) finished.modelId = modelId
          if (part.providerMetadata !== undefined) finished.providerMetadata = part.providerMetadata
          if (part.raw !== undefined) finished.raw = part.raw
          return
        default:
          part satisfies never
      }
    },
    response() {
      if (finished === undefined) {
        throw new ModelError({
          provider,
          isRetryable: true,
          message: `The ${provider} stream ended before its finish part, so the response is incomplete and was not used. Retry the call; if it keeps happening, check the network path to the provider.`,
        })
      }
      return finished
    },
  }
}

/** Reads a whole stream into a `ModelResponse`; handy for implementing `Model.generate`. */
export async function collectResponse(
  provider: string,
  parts: AsyncIterable<ModelStreamPart>,
): Promise<ModelResponse> {
  const collector = createResponseCollector(provider)
  for await (const part of parts) collector.add(part)
  return collector.response()
}
