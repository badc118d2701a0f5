import type { ProviderMetadata } from '../messages/message.js'
import type { FinishReason } from './model-response.js'
import type { Usage } from './usage.js'

/**
 * One piece of a streamed model answer. A stream is any number of deltas followed by exactly one
 * `finish`; {@link collectResponse} assembles the parts into a `ModelResponse`.
 */
export type ModelStreamPart =
  | { type: 'response.start'; responseId?: string; modelId?: string }
  | { type: 'text.delta'; delta: string }
  | { type: 'reasoning.delta'; delta: string }
  /** Closes the current reasoning block; carries its signature or redacted data when the provider has them. */
  | { type: 'reasoning.end'; signature?: string; redacted?: boolean; providerMetadata?: ProviderMetadata }
  | { type: 'tool.call.start'; callId: string; name: string }
  | { type: 'tool.call.delta'; callId: string; delta: string }
  | { type: 'tool.call.end'; callId: string }
  | { type: 'finish'; finishReason: FinishReason; usage: Usage; providerMetadata?: ProviderMetadata }
