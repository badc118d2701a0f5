import type { ProviderMetadata } from '../messages/message.js'
import type { JsonValue } from '../util/json.js'
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
  /** Starts a tool call; `providerMetadata` is provider data that must go back with the call. */
  | { type: 'tool.call.start'; callId: string; name: string; providerMetadata?: ProviderMetadata }
  | { type: 'tool.call.delta'; callId: string; delta: string }
  /** Ends a tool call; may carry provider data that arrived with the call's last chunk. */
  | { type: 'tool.call.end'; callId: string; providerMetadata?: ProviderMetadata }
  /** Ends the stream; `raw` holds the provider's raw events when the adapter was asked for them. */
  | {
      type: 'finish'
      finishReason: FinishReason
      usage: Usage
      providerMetadata?: ProviderMetadata
      raw?: JsonValue
    }
