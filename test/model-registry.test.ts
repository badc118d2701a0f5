import { Agent, ConfigError, createModelRegistry, Runtime, run } from 'agentloop'
import { anthropic } from 'agentloop/anthropic'
import { OPENAI_COMPATIBLE_PRESETS, openai, openaiChat } from 'agentloop/openai'
import {
  anthropicStream,
  createFakeProviderServer,
  type FakeProviderServer,
  openaiChatStream,
  openaiResponsesStream,
  scriptedModel,
} from 'agentloop/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseModelReference } from '../src/model/model-registry.js'

const VARIABLES = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'OLLAMA_BASE_URL',
]
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]))
let server: FakeProviderServer
beforeAll(async () => {
  server = await createFakeProviderServer()
})
afterAll(() => server.close())
afterEach(() => {
  server.reset()
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name]
    else process.env[name] = saved[name]
  }
})

describe('model references', () => {
  it('parses provider:model-id, keeping colons of the model id', () => {
    expect(parseModelReference('openai:gpt-4o')).toEqual({ provider: 'openai', modelId: 'gpt-4o' })
    expect(parseModelReference('ollama:llama3.1:8b')).toEqual({ provider: 'ollama', modelId: 'llama3.1:8b' })
    for (const bad of ['gpt-4o', ':gpt-4o', 'openai:'])
      expect(() => parseModelReference(bad)).toThrow(ConfigError)
  })

  it('lets an agent name its model as text, with provider, id and known capabilities before any run', () => {
    const agent = new Agent({ name: 'a', model: 'anthropic:claude-sonnet-4-5' })
    expect(agent.model).toMatchObject({ provider: 'anthropic', modelId: 'claude-sonnet-4-5' })
    expect(agent.model.capabilities).toMatchObject({
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
      tools: true,
    })
    expect(() => new Agent({ name: 'b', model: 'gpt-4o' })).toThrow(/Agent "b": model: .*provider:model-id/)
  })

  it('resolves through factories registered on the Runtime', async () => {
    const runtime = new Runtime({ models: { fake: (id) => scriptedModel([{ text: `I am ${id}` }]) } })
    const result = await runtime.run(new Agent({ name: 'a', model: 'fake:model-7' }), 'Hi')
    expect(result.output).toBe('I am model-7')
  })

  it('fails the run with a ConfigError naming the known providers for an unknown prefix', async () => {
    const runtime = new Runtime()
    await expect(runtime.run(new Agent({ name: 'a', model: 'nope:x' }), 'Hi')).rejects.toThrow(
      /unknown provider "nope". Known: openai, openai-chat, anthropic, ollama/,
    )
  })

  it('creates each referenced model once per registry', async () => {
    let created = 0
    const registry = createModelRegistry({
      builtins: false,
      providers: {
        fake: () => {
          created++
          return scriptedModel([{ text: 'a' }, { text: 'b' }])
        },
      },
    })
    expect(registry.providers()).toEqual(['fake'])
    expect(await registry.resolve('fake:m')).toBe(await registry.resolve('fake:m'))
    expect(created).toBe(1)
  })

  it('resolves openai:, ollama: and anthropic: from environment variables through the real adapters', async () => {
    process.env.OPENAI_API_KEY = 'sk-env-openai-123456789'
    process.env.OPENAI_BASE_URL = `${server.url}/v1`
    process.env.OLLAMA_BASE_URL = server.url
    process.env.ANTHROPIC_API_KEY = 'sk-ant-env-123456789'
    process.env.ANTHROPIC_BASE_URL = server.url
    const runtime = new Runtime({ models: createModelRegistry() })

    server.enqueue(openaiResponsesStream({ text: 'from responses' }))
    expect((await runtime.run(new Agent({ name: 'o', model: 'openai:gpt-4o' }), 'Hi')).output).toBe(
      'from responses',
    )
    expect(server.requests[0]?.path).toBe('/v1/responses')
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-env-openai-123456789')

    server.enqueue(openaiChatStream({ text: 'from ollama' }))
    expect((await runtime.run(new Agent({ name: 'l', model: 'ollama:llama3.1:8b' }), 'Hi')).output).toBe(
      'from ollama',
    )
    expect(server.requests[1]?.path).toBe('/v1/chat/completions')
    expect(server.requests[1]?.body).toMatchObject({ model: 'llama3.1:8b' })

    server.enqueue(anthropicStream({ text: 'from claude' }))
    expect(
      (await runtime.run(new Agent({ name: 'c', model: 'anthropic:claude-sonnet-4-6' }), 'Hi')).output,
    ).toBe('from claude')
    expect(server.requests[2]?.path).toBe('/v1/messages')
  })

  it('fails a run with a ConfigError naming the variable when the key is missing', async () => {
    delete process.env.ANTHROPIC_API_KEY
    await expect(
      new Runtime({ models: createModelRegistry() }).run(
        new Agent({ name: 'a', model: 'anthropic:claude-haiku-4-5' }),
        'Hi',
      ),
    ).rejects.toThrow(/ANTHROPIC_API_KEY/)
  })

  it('works with the default runtime (run) too', async () => {
    process.env.OPENAI_API_KEY = 'sk-env-openai-123456789'
    process.env.OPENAI_BASE_URL = `${server.url}/v1`
    server.enqueue(openaiChatStream({ text: 'chat via default' }))
    expect((await run(new Agent({ name: 'd', model: 'openai-chat:gpt-4o-mini' }), 'Hi')).output).toBe(
      'chat via default',
    )
  })

  it('has exactly the presets of the adapters, each resolving to the adapter and preset it names', async () => {
    // The registry loads the adapters with a dynamic import, which no type check or lint rule follows.
    const presets = Object.keys(OPENAI_COMPATIBLE_PRESETS)
    const registry = createModelRegistry()
    expect(registry.providers()).toEqual(['openai', 'openai-chat', 'anthropic', ...presets])
    const saved = { ...process.env }
    try {
      for (const preset of Object.values(OPENAI_COMPATIBLE_PRESETS))
        process.env[preset.apiKeyVariable] = 'sk-preset-0123456789'
      process.env.OPENAI_API_KEY = 'sk-env-openai-123456789'
      process.env.ANTHROPIC_API_KEY = 'sk-ant-env-123456789'
      for (const [name, preset] of Object.entries(OPENAI_COMPATIBLE_PRESETS)) {
        const resolved = await registry.resolve(`${name}:some-model`)
        const direct = openaiChat('some-model', { preset: name as keyof typeof OPENAI_COMPATIBLE_PRESETS })
        expect(resolved).toMatchObject({ provider: preset.provider, modelId: 'some-model' })
        expect(resolved.provider).toBe(direct.provider)
      }
      expect((await registry.resolve('openai:m')).provider).toBe(openai('m').provider)
      expect((await registry.resolve('openai-chat:m')).provider).toBe(openaiChat('m').provider)
      expect((await registry.resolve('anthropic:m')).provider).toBe(anthropic('m').provider)
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
      Object.assign(process.env, saved)
    }
  })
})
