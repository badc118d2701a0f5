/**
 * Any Vercel AI SDK language model (specification v3: `ai` 6, `@ai-sdk/provider` 3) as an
 * agentloop `Model`. Only types come from `@ai-sdk/provider`; nothing is loaded at run time.
 *
 * @example
 * import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
 * import { aiSdk } from 'agentloop/ai-sdk'
 *
 * const provider = createOpenAICompatible({ name: 'local', baseURL: 'http://127.0.0.1:11434/v1' })
 * const model = aiSdk(provider.chatModel('llama3.1'))
 *
 * @module
 */
export { type AiSdkModelOptions, aiSdk } from './ai-sdk-model.js'
