// serveMcpStdio in a child process (test/support/mcp-serve-agents.ts), driven by the official
// @modelcontextprotocol/client package: one tool per agent, the final text as the result,
// structuredContent for an output schema, progress from the run's events, cancellation reaching
// the run, sessions, and failures as error results.
import type { Readable } from 'node:stream'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { RUN_ID_META_KEY } from 'agentloop/mcp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { root } from './support/build.js'
import { recordWireProgress } from './support/mcp-progress.js'

let client: Client
let stderr = ''
let wireProgress: string[] = []

beforeAll(async () => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', 'test/support/mcp-serve-agents.ts', 'stdio'],
    cwd: root,
    stderr: 'pipe',
  })
  ;(transport.stderr as Readable).on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  client = new Client({ name: 'official-client', version: '1.0.0' })
  await client.connect(transport, { timeout: 30_000 })
  wireProgress = recordWireProgress(transport)
}, 60_000)

afterAll(async () => {
  await client?.close()
})

function text(result: { content: unknown }): string {
  return ((result.content as { type: string; text: string }[])[0] as { text: string }).text
}

describe('serveMcpStdio (official client, child process)', () => {
  it('serves one tool per agent with the { input, sessionId? } schema, and the handshake instructions', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((entry) => entry.name)).toEqual(['echo', 'weather', 'sleeper', 'broken'])
    const echo = tools.find((entry) => entry.name === 'echo')
    expect(echo?.inputSchema).toMatchObject({
      type: 'object',
      properties: { input: { type: 'string' }, sessionId: { type: 'string' } },
      required: ['input'],
    })
    expect(echo?.description).toMatch(/Ask the agent "echo"/)
    expect(tools.find((entry) => entry.name === 'weather')?.outputSchema).toMatchObject({
      type: 'object',
      properties: { city: { type: 'string' }, tempC: { type: 'number' } },
    })
    expect(client.getInstructions()).toBe('Ask the agents.')
    expect(client.getServerVersion()?.name).toBe('agents-under-test')
  })

  it('answers with the final text, reports progress from the run events, and names the run', async () => {
    const progress: string[] = []
    wireProgress.length = 0
    const result = await client.callTool(
      { name: 'echo', arguments: { input: 'hello' } },
      { onprogress: (event) => progress.push(event.message ?? '') },
    )
    expect(result.isError).toBeFalsy()
    expect(text(result)).toBe('You said: hello (message 1)')
    // Both sent before the result; what reached onprogress is a prefix of them.
    expect(wireProgress).toEqual(['turn 1', 'run completed'])
    expect(progress).toEqual(wireProgress.slice(0, progress.length))
    expect(result._meta?.[RUN_ID_META_KEY]).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('gives structuredContent for an agent with an output schema, with tool progress', async () => {
    const progress: string[] = []
    wireProgress.length = 0
    const result = await client.callTool(
      { name: 'weather', arguments: { input: 'Weather in Oslo?' } },
      { onprogress: (event) => progress.push(event.message ?? '') },
    )
    expect(result.structuredContent).toEqual({ city: 'Oslo', tempC: 4 })
    expect(JSON.parse(text(result))).toEqual({ city: 'Oslo', tempC: 4 })
    const sent = ['turn 1', 'calling tool lookup', 'tool lookup done', 'turn 2', 'run completed']
    expect(wireProgress).toEqual(sent)
    // What reached onprogress is a prefix of it (all of it unless read with the result).
    expect(progress).toEqual(sent.slice(0, progress.length))
  })

  it('continues a conversation given the same sessionId', async () => {
    const call = (input: string) => client.callTool({ name: 'echo', arguments: { input, sessionId: 's-1' } })
    expect(text(await call('one'))).toBe('You said: one (message 1)')
    expect(text(await call('two'))).toBe('You said: two (message 2)')
  })

  it('cancelling the MCP request cancels the run (its tool sees the abort)', async () => {
    const controller = new AbortController()
    const call = client.callTool(
      { name: 'sleeper', arguments: { input: 'sleep' } },
      {
        signal: controller.signal,
        onprogress: (event) => {
          if (event.message === 'calling tool wait') controller.abort()
        },
      },
    )
    await expect(call).rejects.toThrow()
    await expect.poll(() => stderr, { timeout: 10_000 }).toMatch(/cancelled run [0-9a-f-]{36}/)
  })

  it('turns a failed run and bad arguments into error results with clear messages', async () => {
    const failed = await client.callTool({ name: 'broken', arguments: { input: 'hi' } })
    expect(failed.isError).toBe(true)
    expect(text(failed)).toMatch(/^The run of agent "broken" failed \(\w+\): .*model offline/)
    const bad = await client.callTool({ name: 'echo', arguments: { text: 'hi' } })
    expect(bad.isError).toBe(true)
    expect(text(bad)).toMatch(/input/)
  })
})
