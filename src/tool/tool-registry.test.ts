import { Agent, run, tool } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createToolRegistry } from './tool-registry.js'

const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})
const noArguments = z.object({})
const whoAmI = tool<typeof noArguments, { userId: number }>({
  name: 'who_am_i',
  description: 'The current user',
  parameters: noArguments,
  execute: (_args, { context }) => ({ userId: context.userId }),
})
const slow = tool({
  name: 'slow',
  description: 'Never finishes in time',
  parameters: [],
  timeoutMs: 20,
  execute: (_args, { signal }) =>
    new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
})
const broken = tool({
  name: 'broken',
  description: 'Always fails',
  parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  execute: () => {
    throw new Error('database is down')
  },
})

/** The tool result a real run feeds back to the model for one call. */
async function runResult(name: string, args: string): Promise<string> {
  const model = scriptedModel([{ toolCalls: [{ name, arguments: args }] }, { text: 'done' }])
  const agent = new Agent({ name: 'a', model, tools: [add, broken] })
  const result = await run(agent, 'go')
  const message = result.messages.find((entry) => entry.role === 'tool')
  return message?.content as string
}

describe('createToolRegistry', () => {
  it('registers, gets, lists and unregisters tools by name, and rejects duplicates', () => {
    const registry = createToolRegistry([add])
    registry.register(broken)
    expect(registry.list().map((entry) => entry.name)).toEqual(['add', 'broken'])
    expect(registry.get('add')).toBe(add)
    expect(registry.has('nope')).toBe(false)
    expect(() => registry.register(add)).toThrow(/already registered.*unregister\("add"\)/)
    expect(() => registry.register({} as never)).toThrow(/expected a tool made with tool/)
    expect(registry.unregister('add')).toBe(true)
    expect(registry.unregister('add')).toBe(false)
    registry.register(add)
    expect(registry.list().map((entry) => entry.name)).toEqual(['broken', 'add'])
  })

  it('executes a tool from JSON text or an object, with the run context injected', async () => {
    const registry = createToolRegistry<{ userId: number }>([add, whoAmI])
    expect(await registry.execute('add', '{"a":2,"b":3}')).toEqual({ isError: false, output: '5', value: 5 })
    expect(await registry.execute('add', { a: 1, b: 1 })).toMatchObject({ output: '2' })
    expect(await registry.execute('who_am_i', '', { context: { userId: 7 } })).toEqual({
      isError: false,
      output: '{"userId":7}',
      value: { userId: 7 },
    })
  })

  it('gives the same error results as a run for an unknown tool, bad JSON, bad arguments and a failing tool', async () => {
    const registry = createToolRegistry([add, broken])
    for (const [name, args] of [
      ['nope', '{}'],
      ['add', '{"a":'],
      ['add', '{"a":"two","b":3}'],
      ['broken', '{"q":"x"}'],
    ] as const) {
      const result = await registry.execute(name, args)
      expect(result.isError).toBe(true)
      expect(result.output).toBe(await runResult(name, args))
    }
    expect((await registry.execute('add', '{"a":"two","b":3}')).output).toMatch(
      /invalid arguments for tool "add".*a/,
    )
  })

  it('applies the tool timeout and lets the caller cancel', async () => {
    const registry = createToolRegistry([slow])
    expect(await registry.execute('slow', '{}')).toEqual({
      isError: true,
      output: 'Error: tool "slow" timed out after 20 ms.',
    })
    const controller = new AbortController()
    const pending = createToolRegistry([
      tool({
        name: 'wait',
        description: 'Waits for the signal',
        parameters: [],
        execute: (_args, { signal }) =>
          new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      }),
    ]).execute('wait', '{}', { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(pending).rejects.toThrow('stop')
  })

  it('exports the tools as OpenAI (Chat and Responses) and Anthropic definitions', () => {
    const registry = createToolRegistry([add])
    const parameters = add.parameters
    expect(registry.toOpenAITools()).toEqual([
      {
        type: 'function',
        function: { name: 'add', description: 'Add two numbers', parameters, strict: true },
      },
    ])
    expect(registry.toOpenAITools({ api: 'responses' })).toEqual([
      { type: 'function', name: 'add', description: 'Add two numbers', parameters, strict: true },
    ])
    expect(registry.toAnthropicTools()).toEqual([
      { name: 'add', description: 'Add two numbers', input_schema: parameters },
    ])
    expect(parameters).toMatchObject({ type: 'object', required: ['a', 'b'], additionalProperties: false })
  })
})
