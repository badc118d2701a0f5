import type { CallToolResult } from '@modelcontextprotocol/client'
import { describe, expect, it } from 'vitest'
import { checkMcpServerOptions } from './mcp-client-options.js'
import { agentToolName, resultText, toAgentTools } from './mcp-tools.js'

describe('MCP tools as agentloop tools', () => {
  it('names tools as providers accept: prefix, other characters as _, 64 at most, clashes numbered', () => {
    expect(agentToolName('docs_', 'files.read/all')).toBe('docs_files_read_all')
    expect(agentToolName('', 'x'.repeat(80))).toHaveLength(64)
    const settings = checkMcpServerOptions({ name: 's', url: 'https://example.com/mcp' })
    const listed = ['a.b', 'a_b'].map((name) => ({ name, inputSchema: { type: 'object' as const } }))
    const tools = toAgentTools(listed, settings, async () => ({ content: [] }))
    expect(tools.map((entry) => entry.name)).toEqual(['a_b', 'a_b_2'])
  })

  it('leaves out a tool whose schema is not an object, and says so', () => {
    const errors: string[] = []
    const settings = checkMcpServerOptions({
      name: 's',
      url: 'https://example.com/mcp',
      onError: ({ error }) => errors.push(error.message),
    })
    const listed = [
      { name: 'odd', inputSchema: { type: 'string' } as never },
      { name: 'fine', inputSchema: { type: 'object' as const } },
    ]
    expect(toAgentTools(listed, settings, async () => ({ content: [] })).map((entry) => entry.name)).toEqual([
      'fine',
    ])
    expect(errors[0]).toMatch(/^MCP server "s": tool "odd" is left out: .*must describe an object/)
  })

  it('accepts arguments for a schema zod cannot rebuild, leaving validation to the server', async () => {
    const settings = checkMcpServerOptions({ name: 's', url: 'https://example.com/mcp' })
    const [odd] = toAgentTools(
      [{ name: 'odd', inputSchema: { type: 'object', properties: { a: { $ref: '#/nowhere' } } } }],
      settings,
      async () => ({ content: [] }),
    )
    expect(await odd?.parseArguments({ a: 1 })).toEqual({ success: true, value: { a: 1 } })
    expect((await odd?.parseArguments('text'))?.success).toBe(false)
  })

  it('turns content blocks into the text the model reads', () => {
    const result: CallToolResult = {
      content: [
        { type: 'text', text: 'hello' },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'file:///a.txt', text: 'inside' } },
        {
          type: 'resource',
          resource: { uri: 'file:///b.bin', blob: 'AAAA', mimeType: 'application/octet-stream' },
        },
        { type: 'resource_link', uri: 'file:///c', name: 'c' },
      ],
    }
    expect(resultText(result)).toBe(
      'hello\n[image image/png, 3 bytes]\ninside\n[resource file:///b.bin, application/octet-stream]\n[resource link file:///c (c)]',
    )
    expect(resultText({ content: [], structuredContent: { n: 1 } })).toBe('{"n":1}')
  })
})
