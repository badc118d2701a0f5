import type { Message, ProviderMetadata } from '../messages/message.js'

/** A JSON Schema document, as a plain object. */
export type JsonSchema = { [key: string]: unknown }

/** A tool as the model sees it: the run context never appears here. */
export interface ModelTool {
  name: string
  description: string
  /** The JSON Schema of the tool's arguments. */
  parameters: JsonSchema
  /** Whether the schema follows the strict subset (providers that support it enforce it). */
  strict: boolean
}

/** How the model may use tools: decide itself, must call one, must not, or must call the named one. */
export type ToolChoice = (typeof TOOL_CHOICES)[number] | { name: string }

/** A structured final answer the model should produce, as JSON matching `schema`. */
export interface ModelOutputSpec {
  name: string
  schema: JsonSchema
  strict: boolean
}

/** Sampling and length settings shared by providers; anything else goes in `providerOptions`. */
/** The tool choices given by name; the fourth is `{ name }`, one tool. */
export const TOOL_CHOICES = ['auto', 'required', 'none'] as const

export interface ModelSettings {
  temperature?: number
  topP?: number
  maxOutputTokens?: number
  stopSequences?: string[]
  seed?: number
  /** Options only one provider understands, passed through untouched: `{ openai: { ... } }`. */
  providerOptions?: ProviderMetadata
}

/** Everything one model call is given. Plain data: hooks may read and rewrite it. */
export interface ModelRequest extends ModelSettings {
  /** The system prompt (the agent's instructions), kept apart from the conversation. */
  instructions?: string
  messages: Message[]
  tools: ModelTool[]
  toolChoice: ToolChoice
  parallelToolCalls?: boolean
  output?: ModelOutputSpec
}

/**
 * What a caller may pass to `Model.generate` / `Model.stream`: a {@link ModelRequest} whose `tools`
 * (default none) and `toolChoice` (default `auto`) may be left out, for direct use of a model:
 * `await model.generate({ messages: [{ role: 'user', content: 'Hi' }] })`.
 */
export type ModelCallRequest = Omit<ModelRequest, 'tools' | 'toolChoice'> &
  Partial<Pick<ModelRequest, 'tools' | 'toolChoice'>>

/** A complete {@link ModelRequest}: `tools` and `toolChoice` filled in when a caller left them out. */
export function completeRequest(request: ModelCallRequest): ModelRequest {
  if (request.tools !== undefined && request.toolChoice !== undefined) return request as ModelRequest
  return { ...request, tools: request.tools ?? [], toolChoice: request.toolChoice ?? 'auto' }
}

/** Per-call options that are not part of the request data. */
export interface ModelCallOptions {
  /** Aborts the provider request. */
  signal?: AbortSignal
}
