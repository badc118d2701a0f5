import type { ModelResponse } from '../model/model-response.js'
import type { ModelEndEvent, ModelEndToolCall } from './run-event.js'

/** The data of a `model.end` event, before the runtime stamps `runId`, `seq` and `time`. */
export type ModelEndEventData = Omit<ModelEndEvent, 'runId' | 'seq' | 'time'>

/**
 * The `model.end` event of a turn from its complete response: finish reason, usage, and the
 * completed text, reasoning and tool calls (the seed's "text done"), so consumers of the event
 * stream see each answer whole without joining deltas.
 */
export function modelEndData(turn: number, response: ModelResponse): ModelEndEventData {
  let text = ''
  let reasoning: string | undefined
  const toolCalls: ModelEndToolCall[] = []
  for (const part of response.content) {
    switch (part.type) {
      case 'text':
        text += part.text
        break
      case 'reasoning':
        if (part.text !== '') reasoning = (reasoning ?? '') + part.text
        break
      case 'tool-call':
        toolCalls.push({ callId: part.callId, toolName: part.name, arguments: part.arguments })
        break
      default:
        part satisfies never
    }
  }
  const data: ModelEndEventData = {
    type: 'model.end',
    turn,
    finishReason: response.finishReason,
    usage: response.usage,
    text,
    toolCalls,
  }
  if (reasoning !== undefined) data.reasoning = reasoning
  if (response.raw !== undefined) data.raw = response.raw
  if (response.modelId !== undefined) data.responseModel = response.modelId
  if (response.responseId !== undefined) data.responseId = response.responseId
  return data
}
