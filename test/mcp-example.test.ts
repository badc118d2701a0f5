import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { root } from './support/build.js'

describe('examples/mcp.ts', () => {
  it('serves an agent over MCP on stdio and uses it from another agent through connectMcpServer', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'examples/mcp.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    expect(child.stdout.split('\n')).toEqual([
      'tools: library_librarian',
      'The librarian says: Try "Designing Data-Intensive Applications", shelf B4.',
      '',
    ])
  }, 60_000)
})
