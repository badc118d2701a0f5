import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import type { ModelRequest } from '../model/model-request.js'
import type { ModelStreamPart } from '../model/model-stream-part.js'
import { scriptedModel } from './scripted-model.js'

const request: ModelRequest = { messages: [{ role: 'user', content: 'hi' }], tools: [], toolChoice: 'auto' }

async function parts(iterable: AsyncIterable<ModelStreamPart>): Promise<ModelStreamPart[]> {
  const all: ModelStreamPart[] = []
  for await (const part of iterable) all.push(part)
  return all
}

describe('scriptedModel', () => {
  it('streams text in several deltas and records every request', async () => {
    const model = scriptedModel([{ text: 'Hello there, general' }])
    const streamed = await parts(model.stream(request))
    expect(streamed.filter((part) => part.type === 'text.delta').length).toBeGreaterThan(1)
    expect(streamed.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' })
    expect(model.requests).toEqual([request])
    expect(model.remaining).toBe(0)
  })

  it('answers generate() with the whole response, tool calls and usage included', async () => {
    const model = scriptedModel([
      {
        reasoning: 'hmm',
        toolCalls: [{ name: 'add', arguments: { a: 1 } }],
        usage: { inputTokens: 9, outputTokens: 1 },
      },
    ])
    const response = await model.generate(request)
    expect(response.content).toEqual([
      { type: 'reasoning', text: 'hmm' },
      { type: 'tool-call', callId: 'call_1_0', name: 'add', arguments: '{"a":1}' },
    ])
    expect(response.finishReason).toBe('tool-calls')
    expect(response.usage).toEqual({ inputTokens: 9, outputTokens: 1, totalTokens: 10 })
  })

  it('answers with a function of the request, or throws the scripted error', async () => {
    const model = scriptedModel([
      (received) => ({ text: `${received.messages.length} message(s)` }),
      { error: new Error('boom') },
    ])
    expect((await model.generate(request)).content).toEqual([{ type: 'text', text: '1 message(s)' }])
    await expect(model.generate(request)).rejects.toThrow('boom')
  })

  it('fails clearly when it runs out of turns', async () => {
    const model = scriptedModel([{ text: 'only one' }])
    await model.generate(request)
    const error = await model.generate(request).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(/model call #2 but only 1 turn\(s\) were scripted/)
  })

  it('cancels a delayed answer through the signal', async () => {
    const model = scriptedModel([{ text: 'late', delayMs: 5_000 }])
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('stop')), 5)
    await expect(model.generate(request, { signal: controller.signal })).rejects.toThrow('stop')
  })
})
