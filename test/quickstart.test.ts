import { execFile, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import {
  anthropicStream,
  createFakeProviderServer,
  type FakeProviderServer,
  type FakeResponse,
  openaiChatStream,
  openaiResponsesStream,
  type WireAnswer,
} from 'agentloop/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { banner, configuredModel, QUICKSTART_VARIABLES } from '../examples/quickstart-model.js'
import { root } from './support/build.js'

/** The environment without any provider variable, so the test never reaches a real provider. */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  for (const name of [
    'AGENTLOOP_MODEL',
    'OPENAI_API_KEY',
    'OPENAI_BASE_URL',
    'OPENAI_MODEL',
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_BASE_URL',
    'ANTHROPIC_MODEL',
    'OLLAMA_BASE_URL',
    'OLLAMA_MODEL',
  ]) {
    delete env[name]
  }
  return { ...env, ...extra }
}

describe('examples/quickstart.ts (npm start)', () => {
  it('runs the agent end to end with the scripted model when no provider is configured', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: cleanEnvironment(),
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    const lines = child.stdout.split('\n')
    expect(lines[0]).toMatch(/^Using the scripted model/)
    expect(child.stdout).toMatch(/^ {2}AGENTLOOP_MODEL +any model reference/m)
    expect(child.stdout).toMatch(/^Next: the tour in README.md/m)
    expect(child.stdout).toMatch(/⚙ current_time\(\{"timeZone":"Asia\/Tokyo"\}\)/)
    expect(child.stdout).toMatch(/✓ add → 42/)
    expect(child.stdout).toMatch(/✓ count_words → \{"words":5\}/)
    expect(child.stdout).toMatch(/■ completed after 2 turns · 2 model calls, 3 tool calls/)
    expect(child.stdout).toMatch(
      /Final output: In Tokyo it is .+ The sum is 42, and the phrase has 5 words\./,
    )
  }, 60_000)
})

describe('the banner of npm start', () => {
  it('lists every environment variable the quickstart reads, and ends with where to go next', () => {
    const sources = ['examples/quickstart.ts', 'examples/quickstart-model.ts']
      .map((file) => readFileSync(`${root}/${file}`, 'utf8'))
      .join('\n')
    const read = new Set([...sources.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((match) => match[1]))
    // The adapters read these themselves when the quickstart picks their provider.
    for (const name of ['ANTHROPIC_BASE_URL', 'OPENAI_BASE_URL', 'OLLAMA_BASE_URL']) read.add(name)
    const listed = QUICKSTART_VARIABLES.map((variable) => variable.name)
    expect([...read].filter((name) => name !== undefined && !listed.includes(name))).toEqual([])
    for (const configured of [
      undefined,
      { reference: 'openai:gpt-4o-mini', reason: 'OPENAI_API_KEY is set' },
    ]) {
      const lines = banner(configured)
      for (const name of [...read, 'AGENTLOOP_MODEL']) expect(lines.join('\n')).toContain(`  ${name} `)
      expect(lines.at(-2)).toMatch(/^Next: /)
      expect(lines.join(' ')).toMatch(/README.md.*docs\/providers.md.*examples\//)
    }
  })
})

describe('the model npm start picks', () => {
  it('follows the documented order: AGENTLOOP_MODEL, OPENAI_BASE_URL, OPENAI_API_KEY, ANTHROPIC_API_KEY, OLLAMA_BASE_URL', () => {
    const all = {
      AGENTLOOP_MODEL: 'groq:llama-3.3-70b-versatile',
      OPENAI_BASE_URL: 'http://proxy/v1',
      OPENAI_API_KEY: 'k',
      ANTHROPIC_API_KEY: 'k',
      OLLAMA_BASE_URL: 'http://ollama',
    }
    expect(configuredModel(all)?.reference).toBe('groq:llama-3.3-70b-versatile')
    const { AGENTLOOP_MODEL: _a, ...noReference } = all
    expect(configuredModel(noReference)?.reference).toBe('openai-chat:gpt-4o-mini')
    const { OPENAI_BASE_URL: _b, ...noBase } = noReference
    expect(configuredModel({ ...noBase, OPENAI_MODEL: 'gpt-4.1' })?.reference).toBe('openai:gpt-4.1')
    const { OPENAI_API_KEY: _c, ...noOpenai } = noBase
    expect(configuredModel(noOpenai)?.reference).toBe('anthropic:claude-haiku-4-5')
    const { ANTHROPIC_API_KEY: _d, ...onlyOllama } = noOpenai
    expect(configuredModel(onlyOllama)?.reference).toBe('ollama:llama3.1')
    expect(configuredModel({})).toBeUndefined()
  })
})

describe('examples/quickstart.ts with a real provider (served by the fake provider server)', () => {
  let server: FakeProviderServer
  beforeAll(async () => {
    server = await createFakeProviderServer()
  })
  afterAll(() => server.close())

  const toolTurn: WireAnswer = {
    toolCalls: [
      { id: 'call_time', name: 'current_time', arguments: '{"timeZone":"Asia/Tokyo"}' },
      { id: 'call_add', name: 'add', arguments: '{"numbers":[19.5,22.5]}' },
      { id: 'call_words', name: 'count_words', arguments: '{"text":"agents whose runs survive crashes"}' },
    ],
  }
  const finalTurn: WireAnswer = { text: 'It is late in Tokyo; the sum is 42 and the phrase has 5 words.' }

  async function quickstart(env: Record<string, string>, answers: FakeResponse[]) {
    server.reset()
    server.enqueue(...answers)
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/quickstart.ts'],
      {
        cwd: root,
        encoding: 'utf8',
        env: cleanEnvironment(env),
      },
    )
    expect(stderr).toBe('')
    expect(stdout).toMatch(/✓ add → 42/)
    expect(stdout).toMatch(/✓ count_words → \{"words":5\}/)
    expect(stdout).toMatch(/■ completed after 2 turns · 2 model calls, 3 tool calls/)
    expect(stdout).toMatch(/Final output: It is late in Tokyo; the sum is 42 and the phrase has 5 words\./)
    return stdout.split('\n')[0]
  }

  it('uses OpenAI through the Responses API for an openai: reference', async () => {
    const first = await quickstart(
      {
        AGENTLOOP_MODEL: 'openai:gpt-4o-mini',
        OPENAI_API_KEY: 'sk-quickstart-0123456789',
        OPENAI_BASE_URL: `${server.url}/v1`,
      },
      [openaiResponsesStream(toolTurn), openaiResponsesStream(finalTurn)],
    )
    expect(first).toBe('Using openai:gpt-4o-mini (AGENTLOOP_MODEL is set).')
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/responses', '/v1/responses'])
  }, 60_000)

  it('uses an OpenAI-compatible server through Chat Completions when OPENAI_BASE_URL is set (it wins over OPENAI_API_KEY)', async () => {
    const first = await quickstart(
      {
        OPENAI_BASE_URL: `${server.url}/v1`,
        OPENAI_API_KEY: 'sk-quickstart-0123456789',
        ANTHROPIC_API_KEY: 'sk-ant-unused-0123456',
      },
      [openaiChatStream(toolTurn), openaiChatStream(finalTurn)],
    )
    expect(first).toBe(`Using openai-chat:gpt-4o-mini (OPENAI_BASE_URL is ${server.url}/v1).`)
    expect(server.requests[0]?.path).toBe('/v1/chat/completions')
    expect(JSON.stringify(server.requests[1]?.body)).toContain('"tool_call_id":"call_add","content":"42"')
  }, 60_000)

  it('uses Anthropic when ANTHROPIC_API_KEY is set', async () => {
    const first = await quickstart(
      {
        ANTHROPIC_API_KEY: 'sk-ant-quickstart-0123456',
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_MODEL: 'claude-haiku-4-5',
      },
      [anthropicStream(toolTurn), anthropicStream(finalTurn)],
    )
    expect(first).toBe('Using anthropic:claude-haiku-4-5 (ANTHROPIC_API_KEY is set).')
    expect(server.requests[0]?.path).toBe('/v1/messages')
  }, 60_000)

  it('uses Ollama when only OLLAMA_BASE_URL is set', async () => {
    const first = await quickstart({ OLLAMA_BASE_URL: server.url }, [
      openaiChatStream(toolTurn),
      openaiChatStream(finalTurn),
    ])
    expect(first).toBe(`Using ollama:llama3.1 (OLLAMA_BASE_URL is ${server.url}).`)
    expect(server.requests[0]?.path).toBe('/v1/chat/completions')
    expect(server.requests[0]?.body).toMatchObject({ model: 'llama3.1' })
  }, 60_000)
})
