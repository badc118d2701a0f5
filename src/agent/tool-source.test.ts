import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ConfigError } from '../errors/errors.js'
import { run } from '../run/run.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { type Tool, tool } from '../tool/tool.js'
import type { ToolSource } from '../tool/tool-source.js'
import { Agent } from './agent.js'

const named = (name: string, result = name) =>
  tool({ name, description: name, parameters: z.object({}), execute: () => result })

/** A tool source whose list the test swaps. */
function mutableSource(name: string, initial: Tool<unknown, unknown>[]) {
  let current: readonly Tool<unknown, unknown>[] = initial
  const source: ToolSource<unknown> = { kind: 'tool-source', name, tools: () => current }
  return { source, set: (tools: Tool<unknown, unknown>[]) => (current = tools) }
}

describe('Agent with a tool source', () => {
  it('reads the source before every model call: a tool added during the run is offered and runnable on the next turn', async () => {
    const { source, set } = mutableSource('remote', [named('first')])
    const model = scriptedModel([
      () => {
        set([named('first'), named('second', 'from second')])
        return { toolCalls: [{ name: 'first', arguments: {} }] }
      },
      { toolCalls: [{ name: 'second', arguments: {} }] },
      { text: 'done' },
    ])
    const agent = new Agent({ name: 'a', model, tools: [named('own'), source] })
    const result = await run(agent, 'go')
    expect(model.requests.map((request) => request.tools.map((entry) => entry.name))).toEqual([
      ['own', 'first'],
      ['own', 'first', 'second'],
      ['own', 'first', 'second'],
    ])
    expect(
      result.messages.filter((message) => message.role === 'tool').map((message) => message.content),
    ).toEqual(['first', 'from second'])
    expect(agent.getTool('second')).toBeDefined()
  })

  it('reuses what it derived while the source returns the same list', () => {
    const { source, set } = mutableSource('remote', [named('first')])
    const agent = new Agent({ name: 'a', model: scriptedModel([]), tools: [source] })
    const before = agent.modelTools
    expect(agent.modelTools).toBe(before)
    set([named('first')])
    expect(agent.modelTools).not.toBe(before)
  })

  it('fails with a clear ConfigError when a source tool has the name of another tool', () => {
    const { source } = mutableSource('remote', [named('own')])
    const agent = new Agent({ name: 'a', model: scriptedModel([]), tools: [named('own'), source] })
    expect(() => agent.modelTools).toThrow(ConfigError)
    expect(() => agent.modelTools).toThrow(
      `Agent "a": tool source "remote" has a tool named "own", like one of the agent's own tools; tool names must be unique within an agent. Give the source a name prefix (for an MCP server: toolNamePrefix) or rename one of them.`,
    )
    const other = mutableSource('other', [named('x')])
    const again = mutableSource('again', [named('x')])
    const twoSources = new Agent({ name: 'b', model: scriptedModel([]), tools: [other.source, again.source] })
    expect(() => twoSources.tools).toThrow(
      /tool source "again" has a tool named "x", like tool source "other"/,
    )
  })

  it('accepts a forced toolChoice naming a tool the source will provide', async () => {
    const { source } = mutableSource('remote', [named('lookup', 'found')])
    const model = scriptedModel([{ toolCalls: [{ name: 'lookup', arguments: {} }] }, { text: 'ok' }])
    const agent = new Agent({ name: 'a', model, tools: [source], toolChoice: { name: 'lookup' } })
    expect((await run(agent, 'go')).output).toBe('ok')
    expect(model.requests[0]?.toolChoice).toEqual({ name: 'lookup' })
  })
})
