import type { ModelCallOptions, ModelCallRequest } from './model-request.js'
import type { ModelResponse } from './model-response.js'
import type { ModelStreamPart } from './model-stream-part.js'
import type { Tokenizer } from './tokenizer.js'

/** What a model can do; the runtime and the context budget read it. Unknown fields are undefined. */
export interface ModelCapabilities {
  tools?: boolean
  parallelToolCalls?: boolean
  structuredOutput?: boolean
  reasoning?: boolean
  vision?: boolean
  /** Input plus output tokens the model accepts in one call. */
  contextWindow?: number
  maxOutputTokens?: number
}

/**
 * The provider interface: a model is any object with these fields. The runtime calls `stream`;
 * `generate` is for callers that want one whole answer. A failed provider call throws `ModelError`.
 * Both accept a request without `tools` and `toolChoice` (direct use of a model); an
 * implementation treats them as `[]` and `'auto'`.
 *
 * @example
 * const response = await model.generate({ messages: [{ role: 'user', content: 'Hi' }] })
 * console.log(response.outputText)
 */
export interface Model {
  /** The version of this interface the model implements. */
  readonly specificationVersion: 'agentloop.model.v1'
  /** The provider's name, such as `openai` or `anthropic`. */
  readonly provider: string
  readonly modelId: string
  readonly capabilities?: ModelCapabilities
  /** Counts tokens for this model; when absent the context budget picks one from `provider` and `modelId`. */
  readonly tokenizer?: Tokenizer
  /** Sends the request and resolves with the whole answer. */
  generate(request: ModelCallRequest, options?: ModelCallOptions): Promise<ModelResponse>
  /** Sends the request and yields the answer as it arrives, ending with one `finish` part. */
  stream(request: ModelCallRequest, options?: ModelCallOptions): AsyncIterable<ModelStreamPart>
}
