import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { ModelError } from '../errors/errors.js'
import type { Hooks } from '../hooks/hooks.js'
import { collectEvents, streamedText } from '../testing/collect-events.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { run } from './run.js'
import { Runtime } from './runtime.js'

const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})

const addThenAnswer = () =>
  scriptedModel([{ toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }] }, { text: 'done' }])

describe('hooks', () => {
  it('beforeModel can rewrite the request', async () => {
    const model = scriptedModel([{ text: 'ok' }])
    const agent = new Agent({
      name: 'a',
      model,
      hooks: {
        beforeModel: ({ request }) => ({
          request: { ...request, temperature: 0, instructions: 'Be terse.' },
        }),
      },
    })
    await run(agent, 'x')
    expect(model.requests[0]).toMatchObject({ temperature: 0, instructions: 'Be terse.' })
  })

  it('beforeModel can answer instead of the model', async () => {
    const model = scriptedModel([])
    const agent = new Agent({
      name: 'cache',
      model,
      hooks: {
        beforeModel: () => ({
          response: {
            content: [{ type: 'text', text: 'from cache' }],
            finishReason: 'stop',
            usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
          },
        }),
      },
    })
    const events = await collectEvents(new Runtime().stream(agent, 'x'))
    expect(model.requests).toHaveLength(0)
    expect(streamedText(events)).toBe('from cache')
    expect(events.at(-1)).toMatchObject({ type: 'run.end', status: 'completed', output: 'from cache' })
  })

  it('afterModel can rewrite the response', async () => {
    const agent = new Agent({
      name: 'a',
      model: scriptedModel([{ text: 'my password is hunter2' }]),
      hooks: {
        afterModel: ({ response }) => ({
          response: {
            ...response,
            content: response.content.map((part) =>
              part.type === 'text' ? { ...part, text: part.text.replace('hunter2', '[redacted]') } : part,
            ),
          },
        }),
      },
    })
    const result = await run(agent, 'x')
    expect(result.output).toBe('my password is [redacted]')
  })

  it('beforeTool can rewrite arguments, deny a call, or answer without the tool', async () => {
    let executions = 0
    const counted = tool({
      name: 'add',
      description: 'Add two numbers',
      parameters: z.object({ a: z.number(), b: z.number() }),
      execute: ({ a, b }) => {
        executions++
        return a + b
      },
    })
    const model = scriptedModel([
      {
        toolCalls: [
          { name: 'add', arguments: { a: 1, b: 1 }, callId: 'rewrite' },
          { name: 'add', arguments: { a: 1, b: 1 }, callId: 'deny' },
          { name: 'add', arguments: { a: 1, b: 1 }, callId: 'answer' },
        ],
      },
      { text: 'done' },
    ])
    const hooks: Hooks = {
      beforeTool: ({ callId, arguments: args }) => {
        if (callId === 'rewrite') return { arguments: { ...(args as object), b: 41 } }
        if (callId === 'deny') return { deny: 'Not allowed for this user.' }
        return { result: { cached: 2 } }
      },
    }
    const result = await run(new Agent({ name: 'a', model, tools: [counted], hooks }), 'x')
    const outputs = result.items.filter((item) => item.type === 'tool.result')
    expect(outputs.map((item) => [item.output, item.isError])).toEqual([
      ['42', false],
      ['Not allowed for this user.', true],
      ['{"cached":2}', false],
    ])
    expect(executions).toBe(1)
  })

  it('afterTool can rewrite the result', async () => {
    const agent = new Agent({
      name: 'a',
      model: addThenAnswer(),
      tools: [add],
      hooks: { afterTool: ({ output }) => ({ output: `result: ${output}` }) },
    })
    const result = await run(agent, 'x')
    expect(result.items.find((item) => item.type === 'tool.result')).toMatchObject({ output: 'result: 5' })
  })

  it('runs runtime hooks around agent hooks in the documented order', async () => {
    const order: string[] = []
    const trace = (label: string): Hooks => ({
      beforeModel: () => void order.push(`${label}.beforeModel`),
      afterModel: () => void order.push(`${label}.afterModel`),
      beforeTool: () => void order.push(`${label}.beforeTool`),
      afterTool: () => void order.push(`${label}.afterTool`),
    })
    const runtime = new Runtime({ hooks: [trace('runtime1'), trace('runtime2')] })
    await runtime.run(
      new Agent({ name: 'a', model: addThenAnswer(), tools: [add], hooks: trace('agent') }),
      'x',
    )
    expect(order.slice(0, 12)).toEqual([
      'runtime1.beforeModel',
      'runtime2.beforeModel',
      'agent.beforeModel',
      'agent.afterModel',
      'runtime2.afterModel',
      'runtime1.afterModel',
      'runtime1.beforeTool',
      'runtime2.beforeTool',
      'agent.beforeTool',
      'agent.afterTool',
      'runtime2.afterTool',
      'runtime1.afterTool',
    ])
  })

  it('each beforeModel hook sees the previous rewrite, and an answer skips the rest', async () => {
    const seen: (number | undefined)[] = []
    const model = scriptedModel([{ text: 'ok' }])
    const runtime = new Runtime({
      hooks: {
        beforeModel: ({ request }) => {
          seen.push(request.temperature)
          return { request: { ...request, temperature: 0.5 } }
        },
      },
    })
    await runtime.run(
      new Agent({
        name: 'a',
        model,
        hooks: [
          { beforeModel: ({ request }) => void seen.push(request.temperature) },
          {
            beforeModel: () => ({
              response: {
                content: [],
                finishReason: 'stop',
                usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
              },
            }),
          },
          { beforeModel: () => void seen.push(-1) },
        ],
      }),
      'x',
    )
    expect(seen).toEqual([undefined, 0.5])
    expect(model.requests).toHaveLength(0)
  })

  it('onError sees tool failures and run failures', async () => {
    const errors: string[] = []
    const broken = tool({
      name: 'broken',
      description: '',
      parameters: [],
      execute: () => {
        throw new Error('nope')
      },
    })
    const failure = new ModelError({ provider: 'scripted', message: 'overloaded', statusCode: 529 })
    const agent = new Agent({
      name: 'a',
      tools: [broken],
      model: scriptedModel([{ toolCalls: [{ name: 'broken' }] }, { error: failure }]),
      hooks: {
        onError: ({ phase, error }) => {
          errors.push(`${phase}: ${(error as Error).message}`)
          throw new Error('a failing observer is ignored')
        },
      },
    })
    await expect(run(agent, 'x')).rejects.toBe(failure)
    expect(errors).toEqual(['tool: nope', 'model: overloaded'])
  })

  it('hooks receive the run context', async () => {
    const contexts: unknown[] = []
    const agent = new Agent<{ tenant: string }>({
      name: 'a',
      model: scriptedModel([{ text: 'ok' }]),
      hooks: { beforeModel: ({ context }) => void contexts.push(context) },
    })
    await run(agent, 'x', { context: { tenant: 'acme' } })
    expect(contexts).toEqual([{ tenant: 'acme' }])
  })
})
