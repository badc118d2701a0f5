import { describe, expect, it } from 'vitest'
import { ModelError } from '../errors/errors.js'
import { createResponseCollector } from './response-collector.js'

const usage = { inputTokens: 3, outputTokens: 4, totalTokens: 7 }

describe('createResponseCollector', () => {
  it('assembles text, reasoning and interleaved tool-call deltas in order', () => {
    const collector = createResponseCollector('test')
    collector.add({ type: 'response.start', responseId: 'r1', modelId: 'm' })
    collector.add({ type: 'reasoning.delta', delta: 'think ' })
    collector.add({ type: 'reasoning.delta', delta: 'more' })
    collector.add({ type: 'reasoning.end', signature: 'sig' })
    collector.add({ type: 'text.delta', delta: 'Hel' })
    collector.add({ type: 'text.delta', delta: 'lo' })
    collector.add({ type: 'tool.call.start', callId: 'a', name: 'first' })
    collector.add({ type: 'tool.call.start', callId: 'b', name: 'second' })
    collector.add({ type: 'tool.call.delta', callId: 'a', delta: '{"x":' })
    collector.add({ type: 'tool.call.delta', callId: 'b', delta: '{}' })
    collector.add({ type: 'tool.call.delta', callId: 'a', delta: '1}' })
    collector.add({ type: 'finish', finishReason: 'tool-calls', usage })
    expect(collector.response()).toEqual({
      content: [
        { type: 'reasoning', text: 'think more', signature: 'sig' },
        { type: 'text', text: 'Hello' },
        { type: 'tool-call', callId: 'a', name: 'first', arguments: '{"x":1}' },
        { type: 'tool-call', callId: 'b', name: 'second', arguments: '{}' },
      ],
      finishReason: 'tool-calls',
      usage,
      outputText: 'Hello',
      responseId: 'r1',
      modelId: 'm',
    })
  })

  it('takes ids from the first part that has them, gives a call without input {}, keeps provider data', () => {
    const collector = createResponseCollector('test')
    collector.add({ type: 'response.start', responseId: '', modelId: '' })
    collector.add({ type: 'response.start', responseId: 'chatcmpl-1', modelId: 'gpt-4o' })
    collector.add({ type: 'response.start', responseId: 'later', modelId: 'later' })
    const google = { extra_content: { google: { thought_signature: 'sig==' } } }
    collector.add({ type: 'tool.call.start', callId: 'a', name: 'now', providerMetadata: { openai: google } })
    collector.add({ type: 'tool.call.end', callId: 'a', providerMetadata: { other: { x: 1 } } })
    collector.add({ type: 'finish', finishReason: 'tool-calls', usage })
    const response = collector.response()
    expect(response).toMatchObject({ responseId: 'chatcmpl-1', modelId: 'gpt-4o', outputText: '' })
    expect(response.content).toEqual([
      {
        type: 'tool-call',
        callId: 'a',
        name: 'now',
        arguments: '{}',
        providerMetadata: { openai: google, other: { x: 1 } },
      },
    ])
  })

  it('refuses to produce a response from a stream without its finish part', () => {
    const collector = createResponseCollector('test')
    collector.add({ type: 'text.delta', delta: 'partial' })
    expect(() => collector.response()).toThrow(ModelError)
  })
})
