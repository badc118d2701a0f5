import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import {
  ConfigError,
  MaxTurnsExceededError,
  ModelError,
  RunCancelledError,
  RunTimeoutError,
  ToolError,
  ValidationFailedError,
} from '../errors/errors.js'
import type { Message } from '../messages/message.js'
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

describe('run', () => {
  it('runs the tools the model asks for and returns the final answer', async () => {
    const model = scriptedModel([
      { toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }] },
      { text: '2 + 3 = 5' },
    ])
    const agent = new Agent({ name: 'calc', instructions: 'Use tools.', model, tools: [add] })
    const result = await run(agent, 'What is 2 + 3?')

    expect(result.status).toBe('completed')
    expect(result.output).toBe('2 + 3 = 5')
    expect(result.turns).toBe(2)
    expect(result.usage.modelCalls).toBe(2)
    expect(result.usage.toolCalls).toBe(1)
    expect(result.usage.totalTokens).toBe(result.usage.inputTokens + result.usage.outputTokens)
    expect(result.usage.totalTokens).toBeGreaterThan(0)
    expect(result.items.map((item) => item.type)).toEqual(['tool.call', 'tool.result', 'message'])
    expect(result.items[1]).toMatchObject({ type: 'tool.result', name: 'add', output: '5', isError: false })
    expect(result.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant'])

    const second = model.requests[1]
    expect(second?.instructions).toBe('Use tools.')
    expect(second?.tools.map((entry) => entry.name)).toEqual(['add'])
    expect(second?.messages.at(-1)).toMatchObject({ role: 'tool', content: '5', toolName: 'add' })
  })

  it('continues a saved conversation given as messages', async () => {
    const model = scriptedModel([{ text: 'first' }, { text: 'second' }])
    const agent = new Agent({ name: 'chat', model })
    const first = await run(agent, 'Hi')
    const second = await run(agent, [...first.messages, { role: 'user', content: 'Again' }])
    expect(second.output).toBe('second')
    expect(model.requests[1]?.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user'])
    expect(second.messages).toHaveLength(4)
  })

  it('rejects a malformed input message with the index and field', async () => {
    const agent = new Agent({ name: 'chat', model: scriptedModel([]) })
    const bad = [
      { role: 'user', content: 'ok' },
      { role: 'robot', content: 'x' },
    ] as unknown as Message[]
    await expect(run(agent, bad)).rejects.toThrow(/run input\[1\]/)
    await expect(run(agent, bad)).rejects.toBeInstanceOf(ConfigError)
  })

  it('computes instructions from the run context once per run', async () => {
    const model = scriptedModel([{ toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }] }, { text: 'ok' }])
    let calls = 0
    const agent = new Agent<{ userName: string }>({
      name: 'greeter',
      model,
      tools: [add],
      instructions: ({ context }) => {
        calls++
        return `Greet ${context.userName}.`
      },
    })
    await run(agent, 'Hi', { context: { userName: 'Ada' } })
    expect(calls).toBe(1)
    expect(model.requests.map((request) => request.instructions)).toEqual(['Greet Ada.', 'Greet Ada.'])
  })

  it('passes the run context to tools but never to the model or the result', async () => {
    const secret = 'sk-live-very-secret'
    const seen: unknown[] = []
    const whoami = tool({
      name: 'whoami',
      description: 'Who is the user',
      parameters: [],
      execute: (_args, { context, runId, callId, signal }) => {
        seen.push({ context, runId, callId, aborted: signal.aborted })
        return 'user 7'
      },
    })
    const model = scriptedModel([
      { toolCalls: [{ name: 'whoami', callId: 'c1' }] },
      { text: 'You are user 7' },
    ])
    const agent = new Agent<{ userId: number; apiKey: string }>({ name: 'who', model, tools: [whoami] })
    const result = await run(agent, 'Who am I?', { context: { userId: 7, apiKey: secret }, runId: 'run-1' })
    expect(seen).toEqual([
      { context: { userId: 7, apiKey: secret }, runId: 'run-1', callId: 'c1', aborted: false },
    ])
    expect(JSON.stringify(model.requests)).not.toContain(secret)
    expect(JSON.stringify(result)).not.toContain(secret)
  })

  it('fails with MaxTurnsExceededError when the model never stops calling tools', async () => {
    const loop = Array.from({ length: 5 }, () => ({
      toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }],
    }))
    const agent = new Agent({ name: 'loop', model: scriptedModel(loop), tools: [add], maxTurns: 3 })
    const error = await run(agent, 'go').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(MaxTurnsExceededError)
    expect((error as MaxTurnsExceededError).maxTurns).toBe(3)
    // the run option overrides the agent's limit
    const agent2 = new Agent({ name: 'loop', model: scriptedModel(loop), tools: [add], maxTurns: 3 })
    await expect(run(agent2, 'go', { maxTurns: 2 })).rejects.toThrow(/all 2 turns/)
  })

  it('defaults maxTurns to 20', () => {
    expect(new Agent({ name: 'a', model: scriptedModel([]) }).maxTurns).toBe(20)
  })

  it('fails with the model error when the model call fails', async () => {
    const failure = new ModelError({
      provider: 'scripted',
      statusCode: 500,
      isRetryable: true,
      message: 'boom',
    })
    const agent = new Agent({ name: 'a', model: scriptedModel([{ error: failure }]) })
    await expect(run(agent, 'x')).rejects.toBe(failure)
  })

  it('wraps a non-agentloop model failure in ModelError', async () => {
    const agent = new Agent({ name: 'a', model: scriptedModel([{ error: new TypeError('socket hang up') }]) })
    const error = await run(agent, 'x').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ModelError)
    expect((error as ModelError).cause).toBeInstanceOf(TypeError)
  })

  it('never uses a stream that ended without its finish part', async () => {
    const agent = new Agent({
      name: 'a',
      tools: [add],
      model: scriptedModel([{ toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }], truncate: true }]),
    })
    let executed = false
    const spy = new Agent({
      name: 'b',
      tools: [tool({ ...addDefinition(), execute: () => (executed = true) })],
      model: scriptedModel([{ toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }], truncate: true }]),
    })
    await expect(run(agent, 'x')).rejects.toBeInstanceOf(ModelError)
    await expect(run(spy, 'x')).rejects.toThrow(/ended before its finish part/)
    expect(executed).toBe(false)
  })

  it('does not execute tool calls from an answer cut at the output limit', async () => {
    let executed = false
    const agent = new Agent({
      name: 'a',
      tools: [tool({ ...addDefinition(), execute: () => (executed = true) })],
      model: scriptedModel([
        { toolCalls: [{ name: 'add', arguments: '{"a": 1, "b"' }], finishReason: 'length' },
      ]),
    })
    await expect(run(agent, 'x')).rejects.toThrow(/maxOutputTokens/)
    expect(executed).toBe(false)
  })

  it('resets toolChoice to auto after a turn with tool calls', async () => {
    const model = scriptedModel([
      { toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }] },
      { text: 'done' },
    ])
    const agent = new Agent({ name: 'a', model, tools: [add], toolChoice: 'required' })
    await run(agent, 'x')
    expect(model.requests.map((request) => request.toolChoice)).toEqual(['required', 'auto'])

    const model2 = scriptedModel([
      { toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }] },
      { text: 'done' },
    ])
    const sticky = new Agent({
      name: 'a',
      model: model2,
      tools: [add],
      toolChoice: { name: 'add' },
      resetToolChoice: false,
    })
    await run(sticky, 'x')
    expect(model2.requests.map((request) => request.toolChoice)).toEqual([{ name: 'add' }, { name: 'add' }])
  })

  it('sends the model settings, parallelToolCalls and strict tool schemas', async () => {
    const model = scriptedModel([{ text: 'ok' }])
    const agent = new Agent({
      name: 'a',
      model,
      tools: [add],
      parallelToolCalls: false,
      modelSettings: {
        temperature: 0.2,
        maxOutputTokens: 100,
        providerOptions: { openai: { store: false } },
      },
    })
    await run(agent, 'x')
    expect(model.requests[0]).toMatchObject({
      temperature: 0.2,
      maxOutputTokens: 100,
      providerOptions: { openai: { store: false } },
      parallelToolCalls: false,
      tools: [
        { name: 'add', strict: true, parameters: { additionalProperties: false, required: ['a', 'b'] } },
      ],
    })
  })
})

describe('structured output', () => {
  const Answer = z.object({ city: z.string(), population: z.number().int() })

  it('parses and validates the final output against the schema', async () => {
    const model = scriptedModel([{ text: '```json\n{"city":"Paris","population":2100000}\n```' }])
    const agent = new Agent({ name: 'geo', model, output: Answer })
    const result = await run(agent, 'Largest city of France?')
    expect(result.status).toBe('completed')
    if (result.status === 'completed') expect(result.output.population).toBe(2100000)
    expect(model.requests[0]?.output).toMatchObject({ strict: true, schema: { type: 'object' } })
  })

  it('asks the model once more with the problems, then succeeds', async () => {
    const model = scriptedModel([
      { text: '{"city":"Paris","population":"many"}' },
      { text: '{"city":"Paris","population":2}' },
    ])
    const result = await run(new Agent({ name: 'geo', model, output: Answer }), 'x')
    expect(result.output).toEqual({ city: 'Paris', population: 2 })
    const feedback = model.requests[1]?.messages.at(-1)
    expect(feedback?.role).toBe('user')
    expect(JSON.stringify(feedback)).toContain('population')
  })

  it('fails with ValidationFailedError after the second bad answer', async () => {
    const model = scriptedModel([{ text: 'not json' }, { text: '{"city":1}' }])
    const error = await run(new Agent({ name: 'geo', model, output: Answer }), 'x').catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(ValidationFailedError)
    expect((error as ValidationFailedError).issues.map((issue) => issue.path[0])).toContain('city')
    expect((error as ValidationFailedError).value).toBe('{"city":1}')
    expect(model.requests).toHaveLength(2)
  })
})

describe('tool execution', () => {
  it('runs the calls of one turn concurrently and appends results in the order asked', async () => {
    let running = 0
    let peak = 0
    const slow = tool({
      name: 'slow',
      description: 'Waits',
      parameters: z.object({ ms: z.number(), label: z.string() }),
      execute: async ({ ms, label }) => {
        running++
        peak = Math.max(peak, running)
        await new Promise((resolve) => setTimeout(resolve, ms))
        running--
        return label
      },
    })
    const calls = [40, 5, 20].map((ms, index) => ({ name: 'slow', arguments: { ms, label: `L${index}` } }))
    const model = scriptedModel([{ toolCalls: calls }, { text: 'done' }])
    const started = performance.now()
    const result = await run(new Agent({ name: 'a', model, tools: [slow] }), 'x')
    expect(performance.now() - started).toBeLessThan(60 + 40)
    expect(peak).toBe(3)
    expect(result.items.filter((item) => item.type === 'tool.result').map((item) => item.output)).toEqual([
      'L0',
      'L1',
      'L2',
    ])
  })

  it('caps concurrency at the runtime limit and runs one at a time without parallelToolCalls', async () => {
    let running = 0
    let peak = 0
    const work = tool({
      name: 'work',
      description: 'Works',
      parameters: [],
      execute: async () => {
        running++
        peak = Math.max(peak, running)
        await new Promise((resolve) => setTimeout(resolve, 5))
        running--
        return 'ok'
      },
    })
    const calls = Array.from({ length: 6 }, () => ({ name: 'work' }))
    const runtime = new Runtime({ toolConcurrency: 2 })
    await runtime.run(
      new Agent({ name: 'a', model: scriptedModel([{ toolCalls: calls }, { text: 'x' }]), tools: [work] }),
      'x',
    )
    expect(peak).toBe(2)
    peak = 0
    const sequential = new Agent({
      name: 'a',
      model: scriptedModel([{ toolCalls: calls }, { text: 'x' }]),
      tools: [work],
      parallelToolCalls: false,
    })
    await run(sequential, 'x')
    expect(peak).toBe(1)
  })

  it('uses a default concurrency of 8', () => {
    expect(new Runtime().toolConcurrency).toBe(8)
  })

  it('turns every kind of bad tool input into an error result the model sees, and continues', async () => {
    const boom = tool({
      name: 'boom',
      description: 'Throws',
      parameters: [],
      execute: () => {
        throw new Error('database unreachable')
      },
    })
    const hang = tool({
      name: 'hang',
      description: 'Never answers in time',
      parameters: [],
      timeoutMs: 20,
      execute: () => new Promise(() => {}),
    })
    const model = scriptedModel([
      {
        toolCalls: [
          { name: 'add', arguments: '{"a": 1, "b": ' },
          { name: 'add', arguments: { a: 'one', b: 2 } },
          { name: 'nope', arguments: {} },
          { name: 'boom' },
          { name: 'hang' },
        ],
      },
      { text: 'I could not do it.' },
    ])
    const result = await run(new Agent({ name: 'a', model, tools: [add, boom, hang] }), 'x')
    expect(result.status).toBe('completed')
    const outputs = result.items.filter((item) => item.type === 'tool.result')
    expect(outputs.every((item) => item.isError)).toBe(true)
    expect(outputs[0]?.output).toMatch(/not valid JSON/)
    expect(outputs[1]?.output).toMatch(/invalid arguments for tool "add": a: .*number/)
    expect(outputs[2]?.output).toMatch(/no tool named "nope". Available tools: add, boom, hang/)
    expect(outputs[3]?.output).toMatch(/tool "boom" failed: database unreachable/)
    expect(outputs[4]?.output).toMatch(/timed out after 20 ms/)
    const sent = model.requests[1]?.messages.filter((message) => message.role === 'tool') ?? []
    expect(sent).toHaveLength(5)
    expect(sent.every((message) => message.role === 'tool' && message.isError === true)).toBe(true)
  })

  it('aborts the signal of a tool that times out', async () => {
    let toolSignal: AbortSignal | undefined
    const hang = tool({
      name: 'hang',
      description: 'Waits for its signal',
      parameters: [],
      timeoutMs: 10,
      execute: (_args, { signal }) => {
        toolSignal = signal
        return new Promise(() => {})
      },
    })
    await run(
      new Agent({
        name: 'a',
        model: scriptedModel([{ toolCalls: [{ name: 'hang' }] }, { text: 'x' }]),
        tools: [hang],
      }),
      'x',
    )
    expect(toolSignal?.aborted).toBe(true)
  })

  it("fails the run with ToolError when a tool's errors are fatal", async () => {
    const fatal = tool({
      name: 'fatal',
      description: 'Throws',
      parameters: [],
      onError: 'fail-run',
      execute: () => {
        throw new Error('disk full')
      },
    })
    const model = scriptedModel([{ toolCalls: [{ name: 'fatal' }] }, { text: 'never' }])
    const error = await run(new Agent({ name: 'a', model, tools: [fatal] }), 'x').catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(ToolError)
    expect((error as ToolError).toolName).toBe('fatal')
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect(model.requests).toHaveLength(1)
  })

  it('serialises non-string results as JSON and accepts sync and async tools', async () => {
    const syncTool = tool({
      name: 'sync',
      description: '',
      parameters: [],
      execute: () => ({ ok: true, n: 1 }),
    })
    const asyncTool = tool({ name: 'async', description: '', parameters: [], execute: async () => [1, 2] })
    const model = scriptedModel([{ toolCalls: [{ name: 'sync' }, { name: 'async' }] }, { text: 'x' }])
    const result = await run(new Agent({ name: 'a', model, tools: [syncTool, asyncTool] }), 'x')
    const outputs = result.items.filter((item) => item.type === 'tool.result').map((item) => item.output)
    expect(outputs).toEqual(['{"ok":true,"n":1}', '[1,2]'])
  })

  it('gives unique ids to tool calls that arrive with empty or repeated ids', async () => {
    const model = scriptedModel([
      {
        toolCalls: [
          { name: 'add', arguments: { a: 1, b: 1 }, callId: '' },
          { name: 'add', arguments: { a: 2, b: 2 }, callId: '' },
        ],
      },
      { text: 'x' },
    ])
    const result = await run(new Agent({ name: 'a', model, tools: [add] }), 'x')
    const ids = result.items.filter((item) => item.type === 'tool.result').map((item) => item.callId)
    expect(new Set(ids).size).toBe(2)
    expect(ids.every((id) => id !== '')).toBe(true)
  })
})

describe('cancellation and timeouts', () => {
  const stuck = tool({
    name: 'stuck',
    description: 'Ignores its signal and never finishes',
    parameters: [],
    execute: () => new Promise(() => {}),
  })

  it('rejects promptly with RunCancelledError while a tool ignores the signal', async () => {
    const controller = new AbortController()
    const agent = new Agent({
      name: 'a',
      model: scriptedModel([{ toolCalls: [{ name: 'stuck' }] }]),
      tools: [stuck],
    })
    const pending = run(agent, 'x', { signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    const started = performance.now()
    await expect(pending).rejects.toBeInstanceOf(RunCancelledError)
    expect(performance.now() - started).toBeLessThan(500)
  })

  it('passes the abort to the model request and to the tools', async () => {
    const controller = new AbortController()
    let toolSignal: AbortSignal | undefined
    const watcher = tool({
      name: 'watch',
      description: '',
      parameters: [],
      execute: (_args, { signal }) => {
        toolSignal = signal
        setTimeout(() => controller.abort(), 5)
        return new Promise(() => {})
      },
    })
    await expect(
      run(
        new Agent({
          name: 'a',
          model: scriptedModel([{ toolCalls: [{ name: 'watch' }] }]),
          tools: [watcher],
        }),
        'x',
        {
          signal: controller.signal,
        },
      ),
    ).rejects.toBeInstanceOf(RunCancelledError)
    expect(toolSignal?.aborted).toBe(true)

    const slowModel = scriptedModel([{ text: 'late', delayMs: 10_000 }])
    const second = new AbortController()
    setTimeout(() => second.abort(), 10)
    await expect(
      run(new Agent({ name: 'a', model: slowModel }), 'x', { signal: second.signal }),
    ).rejects.toBeInstanceOf(RunCancelledError)
  })

  it('rejects at once when the signal is already aborted', async () => {
    const model = scriptedModel([{ text: 'x' }])
    await expect(
      run(new Agent({ name: 'a', model }), 'x', { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(RunCancelledError)
  })

  it('fails with RunTimeoutError after timeoutMs', async () => {
    const agent = new Agent({
      name: 'a',
      model: scriptedModel([{ toolCalls: [{ name: 'stuck' }] }]),
      tools: [stuck],
    })
    const error = await run(agent, 'x', { timeoutMs: 30 }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RunTimeoutError)
    expect((error as RunTimeoutError).timeoutMs).toBe(30)
  })

  it('rejects bad run options with an error naming the option', async () => {
    const agent = new Agent({ name: 'a', model: scriptedModel([]) })
    await expect(run(agent, 'x', { timeoutMs: -1 })).rejects.toThrow(/timeoutMs/)
    await expect(run(agent, 'x', { maxTurns: 0 })).rejects.toThrow(/maxTurns/)
    await expect(run(agent, 'x', { runId: '' })).rejects.toThrow(/runId/)
  })
})

function addDefinition() {
  return {
    name: 'add',
    description: 'Add two numbers',
    parameters: z.object({ a: z.number(), b: z.number() }),
  }
}
