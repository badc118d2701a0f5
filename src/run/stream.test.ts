import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { Agent } from '../agent/agent.js'
import { RunCancelledError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { Model } from '../model/model.js'
import { collectEvents, eventsOfType, eventTypes, streamedText } from '../testing/collect-events.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { tool } from '../tool/tool.js'
import { stream } from './run.js'
import { Runtime } from './runtime.js'

const add = tool({
  name: 'add',
  description: 'Add two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
})

function calculator(text = 'The answer is 5, computed with the add tool.') {
  return new Agent({
    name: 'calc',
    tools: [add],
    model: scriptedModel([
      { reasoning: 'I should add the numbers.', toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }] },
      { text },
    ]),
  })
}

describe('stream', () => {
  it('emits the events of a run in order, with runId, monotonic seq and time', async () => {
    const events = stream(calculator(), 'What is 2 + 3?')
    const collected = await collectEvents(events)
    const types = eventTypes(collected)
    expect(types[0]).toBe('run.start')
    expect(types.at(-1)).toBe('run.end')
    expect(types).toEqual([
      'run.start',
      'turn.start',
      'model.start',
      ...types.slice(3, types.indexOf('model.end')),
      'model.end',
      'tool.start',
      'tool.end',
      'turn.end',
      'turn.start',
      'model.start',
      ...types.slice(types.lastIndexOf('model.start') + 1, types.lastIndexOf('model.end')),
      'model.end',
      'turn.end',
      'run.end',
    ])
    expect(types.filter((type) => type === 'reasoning.delta').length).toBeGreaterThan(1)
    expect(types.filter((type) => type === 'tool.args.delta').length).toBeGreaterThan(1)
    expect(types.filter((type) => type === 'text.delta').length).toBeGreaterThan(1)
    expect(collected.map((event) => event.seq)).toEqual(collected.map((_, index) => index + 1))
    expect(new Set(collected.map((event) => event.runId))).toEqual(new Set([events.runId]))
    expect(collected.every((event) => typeof event.time === 'number' && event.time > 0)).toBe(true)
    expect(streamedText(collected)).toBe('The answer is 5, computed with the add tool.')
    const argsDeltas = eventsOfType(collected, 'tool.args.delta')
    expect(argsDeltas.map((event) => event.delta).join('')).toBe('{"a":2,"b":3}')
    expect(argsDeltas.every((event) => event.toolName === 'add')).toBe(true)
    expect(eventsOfType(collected, 'tool.end')[0]).toMatchObject({ output: '5', isError: false })
    expect(eventsOfType(collected, 'run.end')[0]).toMatchObject({ status: 'completed', turns: 2 })
    const result = await events.result
    expect(result.output).toBe('The answer is 5, computed with the add tool.')
  })

  it('emits plain JSON events that survive a JSON round trip and never carry the run context', async () => {
    const secret = 'context-secret-123'
    const collected = await collectEvents(stream(calculator(), 'x', { context: { token: secret } }))
    for (const event of collected) expect(JSON.parse(JSON.stringify(event))).toEqual(event)
    expect(JSON.stringify(collected)).not.toContain(secret)
  })

  it('ends with run.end carrying the failure, and rejects result', async () => {
    const agent = new Agent({ name: 'a', model: scriptedModel([{ error: new Error('provider down') }]) })
    const events = stream(agent, 'x')
    const collected = await collectEvents(events)
    expect(collected.at(-1)).toMatchObject({
      type: 'run.end',
      status: 'failed',
      error: { name: 'ModelError' },
    })
    await expect(events.result).rejects.toThrow(/provider down/)
  })

  it('slows the run to a slow consumer instead of buffering without bound', async () => {
    const text = 'x'.repeat(800) // 100 text deltas of 8 characters
    const runtime = new Runtime({ streamHighWaterMark: 4 })
    const agent = new Agent({ name: 'a', model: scriptedModel([{ text }]) })
    const events = runtime.stream(agent, 'x')
    const iterator = events[Symbol.asyncIterator]()
    const first = await iterator.next()
    expect((first.value as RunEvent).type).toBe('run.start')
    // give the run plenty of time: it must stop once 4 events wait unread
    await new Promise((resolve) => setTimeout(resolve, 30))
    let produced = 0
    const seen: number[] = []
    for (;;) {
      const next = await iterator.next()
      if (next.done) break
      seen.push(next.value.seq)
      produced++
    }
    // the run could not be more than highWaterMark events ahead while we were not reading
    expect(seen[0]).toBe(2)
    expect(produced).toBeGreaterThan(100)
    await events.result
  })

  it('pauses the model stream while the queue is full', async () => {
    let pulled = 0
    const counting: Model = {
      specificationVersion: 'agentloop.model.v1',
      provider: 'counting',
      modelId: 'counting',
      generate: () => Promise.reject(new Error('unused')),
      async *stream() {
        for (let index = 0; index < 200; index++) {
          pulled++
          yield { type: 'text.delta', delta: 'a' }
        }
        yield {
          type: 'finish',
          finishReason: 'stop',
          usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        }
      },
    }
    const events = new Runtime({ streamHighWaterMark: 4 }).stream(
      new Agent({ name: 'a', model: counting }),
      'x',
    )
    const iterator = events[Symbol.asyncIterator]()
    await iterator.next()
    await new Promise((resolve) => setTimeout(resolve, 30))
    // unread, the run stops after a handful of parts instead of reading all 200
    expect(pulled).toBeLessThan(10)
    let rest = 0
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest++
    expect(pulled).toBe(200)
    expect(rest).toBeGreaterThan(200)
  })

  it('cancels the run when the consumer stops early, aborting the running tool', async () => {
    let toolSignal: AbortSignal | undefined
    let started = () => {}
    const toolStarted = new Promise<void>((resolve) => {
      started = resolve
    })
    const wait = tool({
      name: 'wait',
      description: '',
      parameters: [],
      execute: (_args, { signal }) => {
        toolSignal = signal
        started()
        return new Promise(() => {})
      },
    })
    const agent = new Agent({
      name: 'a',
      tools: [wait],
      model: scriptedModel([{ toolCalls: [{ name: 'wait' }] }]),
    })
    const events = stream(agent, 'x')
    for await (const event of events) {
      if (event.type === 'tool.start') {
        await toolStarted
        break
      }
    }
    await expect(events.result).rejects.toBeInstanceOf(RunCancelledError)
    expect(toolSignal?.aborted).toBe(true)
  })

  it('does not start a tool once the consumer has stopped', async () => {
    let executed = false
    const never = tool({ name: 'never', description: '', parameters: [], execute: () => (executed = true) })
    const agent = new Agent({
      name: 'a',
      tools: [never],
      model: scriptedModel([{ toolCalls: [{ name: 'never' }] }]),
    })
    const events = stream(agent, 'x')
    for await (const event of events) if (event.type === 'tool.start') break
    await expect(events.result).rejects.toBeInstanceOf(RunCancelledError)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(executed).toBe(false)
  })

  it('does not stall when only the result is awaited', async () => {
    const runtime = new Runtime({ streamHighWaterMark: 2 })
    const events = runtime.stream(
      new Agent({ name: 'a', model: scriptedModel([{ text: 'z'.repeat(400) }]) }),
      'x',
    )
    const result = await events.result
    expect(result.output).toHaveLength(400)
    // the events are still there for a late reader
    const collected = await collectEvents(events)
    expect(collected.at(-1)?.type).toBe('run.end')
  })

  it('throws synchronously for bad input', () => {
    const agent = new Agent({ name: 'a', model: scriptedModel([]) })
    expect(() => stream(agent, 42 as unknown as string)).toThrow(/run input must be a string or an array/)
  })
})
