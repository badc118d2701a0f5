import { llmFunction } from 'agentloop/functions'
import { openaiChat } from 'agentloop/openai'
import { runInSandbox } from 'agentloop/sandbox'
import { createFakeProviderServer, type FakeProviderServer, openaiChatStream } from 'agentloop/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'

// biome-ignore lint/suspicious/noExplicitAny: recorded JSON bodies
type Body = Record<string, any>

describe('llmFunction through a provider adapter (OpenAI Chat Completions against the fake server)', () => {
  let server: FakeProviderServer
  beforeAll(async () => {
    server = await createFakeProviderServer()
  })
  afterAll(async () => {
    await server.close()
  })
  const model = () =>
    openaiChat('gpt-4o-mini', { apiKey: 'sk-test-key-123456789', baseURL: `${server.url}/v1`, maxRetries: 1 })
  const Category = z.object({ category: z.enum(['billing', 'support', 'feedback']), confidence: z.number() })

  it('uses native structured output, and asks again with the failure explained', async () => {
    server.reset()
    server.enqueue(
      openaiChatStream({ text: '{"category":"billing","confidence":0.2}' }),
      openaiChatStream({ text: '{"category":"feedback","confidence":0.9}' }),
    )
    const categorize = llmFunction({
      name: 'categorize',
      instructions: 'Categorise the text.',
      input: z.object({ text: z.string() }),
      output: Category,
      checks: [(output) => (output.confidence < 0.5 ? 'confidence must be at least 0.5' : undefined)],
      model: model(),
    })
    expect(await categorize({ text: 'I love it' })).toEqual({ category: 'feedback', confidence: 0.9 })
    const [first, second] = server.requests.map((request) => request.body as Body)
    expect(first?.response_format?.type).toBe('json_schema')
    expect(first?.response_format?.json_schema?.strict).toBe(true)
    expect(JSON.stringify(first?.messages)).toContain('I love it')
    // The second request carries the first failure.
    expect(JSON.stringify(second?.messages)).toContain('confidence must be at least 0.5')
  })

  it('runs a code-mode answer in the sandbox', async () => {
    server.reset()
    server.enqueue(
      openaiChatStream({ text: '```js\nresult = { total: input.values.reduce((a, b) => a + b, 0) }\n```' }),
    )
    const sum = llmFunction({
      name: 'sum',
      instructions: 'Sum the values.',
      input: z.object({ values: z.array(z.number()) }),
      output: z.object({ total: z.number() }),
      model: model(),
      mode: 'code',
      sandbox: runInSandbox,
    })
    expect(await sum({ values: [1, 2, 3.5] })).toEqual({ total: 6.5 })
  })
})
