import type { AssistantPart, ProviderMetadata } from '../messages/message.js'
import type { Usage } from './usage.js'

/** Why the model stopped. `length` means it was cut at the output limit. */
export type FinishReason = 'stop' | 'tool-calls' | 'length' | 'content-filter' | 'error' | 'other'

/** A complete model answer. */
export interface ModelResponse {
  /** Text, reasoning and tool calls, in the order the model produced them. */
  content: AssistantPart[]
  finishReason: FinishReason
  usage: Usage
  responseId?: string
  modelId?: string
  providerMetadata?: ProviderMetadata
}
