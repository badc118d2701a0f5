// `agentloop mcp` as a real child process (the command from source, under tsx), driven by the
// official MCP stdio client; and the same command fed raw JSON-RPC, to check that stdout carries
// the protocol only and that the command exits 0 when stdin ends.
import { spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { Client } from '@modelcontextprotocol/client'
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'
import { cliCommand, cliEnv, tempDir } from './support/cli.js'

const config = `${root}/test/__fixtures__/cli-mcp/agentloop.config.ts`

describe('agentloop mcp', () => {
  it("serves the config's agents and workflows to the official stdio client", async () => {
    const { command, args } = cliCommand(['--config', config, 'mcp', '--name', 'cli-agents'])
    const transport = new StdioClientTransport({
      command,
      args,
      cwd: tempDir(),
      env: cliEnv() as Record<string, string>,
      stderr: 'pipe',
    })
    let stderr = ''
    ;(transport.stderr as Readable).on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const client = new Client({ name: 'official-client', version: '1.0.0' })
    await client.connect(transport, { timeout: 60_000 })
    try {
      expect(client.getServerVersion()?.name).toBe('cli-agents')
      const { tools } = await client.listTools()
      expect(tools.map((entry) => entry.name)).toEqual(['echo', 'greet'])
      const echoed = await client.callTool({ name: 'echo', arguments: { input: 'over stdio' } })
      expect(echoed.content).toEqual([{ type: 'text', text: 'echo: over stdio' }])
      const greeted = await client.callTool({ name: 'greet', arguments: { name: 'Ada' } })
      expect(JSON.stringify(greeted.content)).toContain('Hello, Ada!')
    } finally {
      await client.close()
    }
    expect(stderr).toContain('config loaded')
    expect(stderr).toMatch(/agentloop mcp serving echo, greet over stdio \(storage: sqlite /)
  }, 90_000)

  it('writes only JSON-RPC on stdout (logs on stderr) and exits 0 when stdin ends', async () => {
    const { command, args } = cliCommand(['--config', config, 'mcp'])
    const child = spawn(command, args, { cwd: tempDir(), env: cliEnv() })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`)
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    })
    for (let waited = 0; !stdout.includes('"id":1') && waited < 60_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50))
    send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} })
    for (let waited = 0; !stdout.includes('"id":2') && waited < 30_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50))
    child.stdin.end()
    expect(await exited).toBe(0)
    const lines = stdout.split('\n').filter((line) => line !== '')
    expect(lines.length).toBeGreaterThanOrEqual(2)
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' })
    expect(
      JSON.parse(lines.at(-1) as string).result.tools.map((tool: { name: string }) => tool.name),
    ).toEqual(['echo', 'greet'])
    expect(stderr).toContain('config loaded')
    expect(stderr).toContain('agentloop mcp: stopping')
  }, 90_000)
})
