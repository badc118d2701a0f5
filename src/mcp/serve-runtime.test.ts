import { Client, InMemoryTransport } from '@modelcontextprotocol/client'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { ConfigError } from '../errors/errors.js'
import { llmFunction } from '../functions/llm-function.js'
import { Runtime } from '../run/runtime.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { bindWorkflow } from '../workflows/bind-workflow.js'
import { workflow } from '../workflows/workflow-builder.js'
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

  it('serves workflows: their input schema, node progress, the end output, and a pause as an error result', async () => {
    const double = bindWorkflow(
      workflow('double')
        .describe('Doubles n.')
        .input(z.object({ n: z.number() }))
        .node('start', { type: 'start' })
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow template syntax
        .node('end', { type: 'end', output: '${n * 2}' })
        .edge('start', 'end')
        .build(),
    )
    const ask = bindWorkflow(
      workflow('ask')
        .node('start', { type: 'start' })
        .node('question', { type: 'human', prompt: 'Sure?' })
        .node('end', { type: 'end' })
        .edge('start', 'question')
        .edge('question', 'end')
        .build(),
    )
    const runtime = new Runtime()
    const server = await buildMcpServer(
      runtime,
      resolveServeOptions(runtime, { workflows: [double, ask] }, [], 'test'),
      undefined,
    )
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    const client = new Client({ name: 'c', version: '1' })
    await client.connect(clientSide)
    try {
      const { tools } = await client.listTools()
      expect(tools[0]).toMatchObject({
        name: 'double',
        description: 'Doubles n.',
        inputSchema: { properties: { n: { type: 'number' } } },
      })
      const progress: string[] = []
      const doubled = await client.callTool(
        { name: 'double', arguments: { n: 21 } },
        { onprogress: (event) => progress.push(event.message ?? '') },
      )
      expect(doubled.content).toEqual([{ type: 'text', text: '42' }])
      expect(progress).toEqual(['node start', 'node end'])
      const paused = await client.callTool({ name: 'ask', arguments: {} })
      expect(paused.isError).toBe(true)
      expect((paused.content[0] as { text: string }).text).toMatch(
        /^The workflow "ask" stopped with status awaiting_input \(run [\w-]+, at: question\)/,
      )
    } finally {
      await client.close()
    }
  })

  it('declares an output schema that an output leaving an optional property out still passes', async () => {
    const summarize = new Agent({
      name: 'summarize',
      output: z.object({ title: z.string(), note: z.string().optional() }),
      model: scriptedModel([{ text: '{"title":"Q3"}' }]),
    })
    const runtime = new Runtime({ agents: [summarize] })
    const server = await buildMcpServer(runtime, resolveServeOptions(runtime, {}, [], 'test'), undefined)
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    const client = new Client({ name: 'c', version: '1' })
    await client.connect(clientSide)
    try {
      const [listed] = (await client.listTools()).tools
      expect(listed?.outputSchema).toMatchObject({ required: ['title'] })
      const result = await client.callTool({ name: 'summarize', arguments: { input: 'sum up' } })
      expect(result.isError).toBeFalsy()
      expect(result.structuredContent).toEqual({ title: 'Q3' })
    } finally {
      await client.close()
    }
  })

  it('rejects what cannot be served with a message naming the fix', async () => {
    await expect(serveMcpStdio(new Runtime())).rejects.toThrow(
      'serveMcpStdio: there is nothing to serve. Register agents with new Runtime({ agents: [...] }) or pass agents / functions / workflows in the options.',
    )
    await expect(serveMcpStdio({} as Runtime)).rejects.toThrow(/the first argument must be a Runtime/)
    const twice = new Runtime({ agents: [echo()] })
    await expect(serveMcpStdio(twice, { agents: [echo(), echo()] })).rejects.toThrow(
      'serveMcpStdio: two agents, functions or workflows are named "echo"; MCP tool names must be unique.',
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
