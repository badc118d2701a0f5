import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import { checkMcpServerOptions, type McpServerOptions } from './mcp-client-options.js'

const check = (options: unknown) => () => checkMcpServerOptions(options as McpServerOptions)

describe('checkMcpServerOptions', () => {
  it('applies the documented defaults', () => {
    expect(checkMcpServerOptions({ name: 'docs', url: 'https://example.com/mcp' })).toMatchObject({
      timeoutMs: 60_000,
      connectTimeoutMs: 10_000,
      maxReconnectAttempts: 3,
      reconnectDelayMs: 500,
      strict: true,
    })
  })

  it('names the field and the fix for each bad option', () => {
    expect(check(undefined)).toThrow(ConfigError)
    expect(check({ name: 'bad name', command: 'x' })).toThrow(
      'connectMcpServer: name must be 1-64 letters, digits, "_" or "-"; got the string "bad name".',
    )
    expect(check({ name: 'docs' })).toThrow(
      'MCP server "docs": give either command (a local server started as a child process) or url (a Streamable HTTP endpoint), not neither.',
    )
    expect(check({ name: 'docs', command: 'x', url: 'https://a/mcp' })).toThrow(/not both/)
    expect(check({ name: 'docs', url: 'ftp://example.com' })).toThrow(
      'MCP server "docs": url must use http or https (Streamable HTTP); got ftp:. For a local server use command instead.',
    )
    expect(check({ name: 'docs', url: 'not a url' })).toThrow(/url must be an absolute http\(s\) URL/)
    expect(check({ name: 'docs', command: 'x', timeout: 5 })).toThrow(
      /MCP server "docs": unknown option "timeout". Did you mean "timeoutMs"\?/,
    )
    expect(check({ name: 'docs', command: 'x', timeoutMs: -1 })).toThrow(
      'MCP server "docs": timeoutMs must be a positive number of milliseconds; got the number -1.',
    )
    expect(check({ name: 'docs', command: 'x', maxReconnectAttempts: 1.5 })).toThrow(
      /maxReconnectAttempts must be a whole number/,
    )
    expect(check({ name: 'docs', command: 'x', needsApproval: 'yes' })).toThrow(
      /needsApproval must be true, false or a function/,
    )
    expect(check({ name: 'docs', command: 'x', tools: { search: { timeout: 1 } } })).toThrow(
      /MCP server "docs": tools\["search"\]: unknown option "timeout"/,
    )
    expect(check({ name: 'docs', command: 'x', toolNamePrefix: 'a.b' })).toThrow(/toolNamePrefix must be/)
    expect(check({ name: 'docs', command: 'x', args: 'serve' })).toThrow(
      'MCP server "docs": args must be a list of strings.',
    )
  })
})
