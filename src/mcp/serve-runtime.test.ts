import { Client, InMemoryTransport } from '@modelcontextprotocol/client'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { ConfigError } from '../errors/errors.js'
import { llmFunction } from '../functions/llm-function.js'
import { Runtime } from '../run/runtime.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { createMcpHttpHandler, serveMcpStdio } from './serve-mcp.js'
import { buildMcpServer, resolveServeOptions } from './serve-runtime.js'

const echo = () => new Agent({ name: 'echo', model: scriptedModel([{ text: 'hi' }]) })

describe('serving a runtime over MCP', () => {
  it('serves LLM functions as tools with their own input schema and JSON output', async () => {
    const categorize = llmFunction({
      name: 'categorize',
      description: 'Find the category of a text.',
      instructions: 'Categorize.',
      input: z.object({ text: z.string() }),
      output: z.object({ category: z.enum(['billing', 'support']) }),
      model: scriptedModel([{ text: '{"category":"billing"}' }]),
    })
    const runtime = new Runtime()
    const surface = resolveServeOptions(runtime, { functions: [categorize] }, [], 'test')
    const server = await buildMcpServer(runtime, surface, undefined)
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    const client = new Client({ name: 'c', version: '1' })
    await client.connect(clientSide)
    try {
      const { tools } = await client.listTools()
      expect(tools).toMatchObject([
        {
          name: 'categorize',
          description: 'Find the category of a text.',
          inputSchema: { properties: { text: { type: 'string' } } },
        },
      ])
      const result = await client.callTool({ name: 'categorize', arguments: { text: 'I was charged twice' } })
      expect(result.structuredContent).toEqual({ category: 'billing' })
      expect(result.content).toEqual([{ type: 'text', text: '{"category":"billing"}' }])
    } finally {
      await client.close()
    }
  })

  it('rejects what cannot be served with a message naming the fix', async () => {
    await expect(serveMcpStdio(new Runtime())).rejects.toThrow(
      'serveMcpStdio: there is nothing to serve. Register agents with new Runtime({ agents: [...] }) or pass agents / functions in the options.',
    )
    await expect(serveMcpStdio({} as Runtime)).rejects.toThrow(/the first argument must be a Runtime/)
    const twice = new Runtime({ agents: [echo()] })
    await expect(serveMcpStdio(twice, { agents: [echo(), echo()] })).rejects.toThrow(
      'serveMcpStdio: two agents or functions are named "echo"; MCP tool names must be unique.',
    )
    await expect(serveMcpStdio(twice, { nme: 'x' } as never)).rejects.toThrow(
      /unknown option "nme"\. Did you mean "name"\?/,
    )
    await expect(createMcpHttpHandler(twice, {} as never)).rejects.toThrow(ConfigError)
    await expect(createMcpHttpHandler(twice, {} as never)).rejects.toThrow(
      /createMcpHttpHandler: authenticate is required: \(request\) => caller \| undefined/,
    )
    const spaced = new Runtime({ agents: [new Agent({ name: 'two words', model: scriptedModel([]) })] })
    await expect(serveMcpStdio(spaced)).rejects.toThrow(/"two words" cannot be an MCP tool name/)
  })
})
