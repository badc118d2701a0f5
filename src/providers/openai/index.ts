/**
 * OpenAI models: the Responses API (`openai`), Chat Completions (`openaiChat`, also every
 * OpenAI-compatible server: Ollama, vLLM, NVIDIA NIM, OpenRouter, LiteLLM, Groq, DeepSeek) and
 * embeddings (`openaiEmbedding`). Built on the official `openai` SDK (an optional peer dependency).
 *
 * @example
 * import { Agent, run } from 'agentloop'
 * import { openai, openaiChat } from 'agentloop/openai'
 *
 * const agent = new Agent({ name: 'helper', model: openai('gpt-4o-mini') })
 * const local = new Agent({ name: 'local', model: openaiChat('llama3.1', { preset: 'ollama' }) })
 *
 * @module
 */

// Chat Completions message conversion, for restoring or exporting a conversation (docs/context.md).
export {
  fromOpenAIChat,
  type OpenAIChatContentPart,
  type OpenAIChatMessage,
  toOpenAIChat,
} from '../../messages/openai-format.js'
export type { ChatCompatibility, ChatDefaults } from './chat-request.js'
export { type OpenAIChatOptions, openaiChat } from './openai-chat.js'
export type { OpenAIConnectionOptions } from './openai-client.js'
export { type OpenAIEmbeddingOptions, openaiEmbedding } from './openai-embedding.js'
export { type OpenAIResponsesOptions, openai } from './openai-responses.js'
export { OPENAI_COMPATIBLE_PRESETS, type OpenAICompatiblePreset } from './presets.js'
