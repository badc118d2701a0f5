import type { AssistantPart, ProviderMetadata } from '../messages/message.js'
import type { JsonValue } from '../util/json.js'
import type { Usage } from './usage.js'

/** Why the model stopped. `length` means it was cut at the output limit. */
export type FinishReason = 'stop' | 'tool-calls' | 'length' | 'content-filter' | 'error' | 'other'

/** A complete model answer. */
export interface ModelResponse {
  /** Text, reasoning and tool calls, in the order the model produced them. */
  content: AssistantPart[]
  finishReason: FinishReason
  usage: Usage
  /**
   * The text of the answer (its text parts joined), for direct use of a model:
   * `(await model.generate({ messages })).outputText`. Set by every built-in adapter and by
   * `collectResponse`; a hand-written response may leave it out.
   */
  outputText?: string
  responseId?: string
  modelId?: string
  providerMetadata?: ProviderMetadata
  /**
   * The provider's raw response as JSON (the body of a non-streamed call, or the list of a
   * stream's events), only when the adapter was created with `includeRaw: true`. Provider-specific:
   * its shape is the provider's wire format and changes with it.
   */
  raw?: JsonValue
}

/** The text parts of a response's content, joined. */
export function textOfContent(content: readonly AssistantPart[]): string {
  let text = ''
  for (const part of content) if (part.type === 'text') text += part.text
  return text
}
