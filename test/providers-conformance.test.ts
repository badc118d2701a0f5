import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import { aiSdk } from 'agentloop/ai-sdk'
import { anthropic } from 'agentloop/anthropic'
import { openai, openaiChat } from 'agentloop/openai'
import {
  anthropicError,
  anthropicStream,
  type ModelConformanceOptions,
  modelConformanceCases,
  openaiChatStream,
  openaiError,
  openaiResponsesStream,
} from 'agentloop/testing'
import { describe, it } from 'vitest'

// Request bodies are read loosely: each adapter knows where its fields live.
// biome-ignore lint/suspicious/noExplicitAny: recorded JSON bodies
type Body = Record<string, any>
const fast = { initialDelayMs: 1, maxDelayMs: 5 }

const adapters: Record<string, ModelConformanceOptions> = {
  'openaiChat (Chat Completions)': {
    createModel: ({ server, maxRetries }) =>
      openaiChat('gpt-4o-mini', {
        apiKey: 'sk-test-key-123456789',
        baseURL: `${server.url}/v1`,
        maxRetries,
        retry: fast,
      }),
    answer: openaiChatStream,
    error: (status, message) => openaiError(status, message),
    outputSchemaOf: (body) => (body as Body).response_format?.json_schema?.schema,
    toolNamesOf: (body) => ((body as Body).tools ?? []).map((entry: Body) => entry.function.name),
  },
  'openaiChat with the ollama preset': {
    createModel: ({ server, maxRetries }) =>
      openaiChat('llama3.1', { preset: 'ollama', baseURL: `${server.url}/v1`, maxRetries, retry: fast }),
    answer: openaiChatStream,
    error: (status, message) => openaiError(status, message),
    outputSchemaOf: (body) => (body as Body).response_format?.json_schema?.schema,
    toolNamesOf: (body) => ((body as Body).tools ?? []).map((entry: Body) => entry.function.name),
  },
  'openai (Responses API)': {
    createModel: ({ server, maxRetries }) =>
      openai('gpt-4o-mini', {
        apiKey: 'sk-test-key-123456789',
        baseURL: `${server.url}/v1`,
        maxRetries,
        retry: fast,
      }),
    answer: openaiResponsesStream,
    error: (status, message) => openaiError(status, message),
    outputSchemaOf: (body) => (body as Body).text?.format?.schema,
    toolNamesOf: (body) => ((body as Body).tools ?? []).map((entry: Body) => entry.name),
  },
  'aiSdk (an AI SDK openai-compatible provider)': {
    createModel: ({ server, maxRetries }) =>
      aiSdk(
        createOpenAICompatible({
          name: 'compatible',
          baseURL: `${server.url}/v1`,
          apiKey: 'sk-test-key-123456789',
          supportsStructuredOutputs: true,
          includeUsage: true,
        }).chatModel('gpt-4o-mini'),
        { maxRetries, retry: fast },
      ),
    answer: openaiChatStream,
    error: (status, message) => openaiError(status, message),
    outputSchemaOf: (body) => (body as Body).response_format?.json_schema?.schema,
    toolNamesOf: (body) => ((body as Body).tools ?? []).map((entry: Body) => entry.function.name),
  },
  anthropic: {
    createModel: ({ server, maxRetries }) =>
      anthropic('claude-sonnet-4-6', {
        apiKey: 'sk-ant-test-123456789',
        baseURL: server.url,
        maxRetries,
        retry: fast,
      }),
    answer: anthropicStream,
    error: (status, message) =>
      anthropicError(status, status === 503 ? 'overloaded_error' : 'invalid_request_error', message),
    outputSchemaOf: (body) => (body as Body).output_config?.format?.schema,
    toolNamesOf: (body) => ((body as Body).tools ?? []).map((entry: Body) => entry.name),
  },
}

for (const [name, options] of Object.entries(adapters)) {
  describe(`model conformance: ${name}`, () => {
    for (const check of modelConformanceCases(options)) it(check.name, check.run)
  })
}
