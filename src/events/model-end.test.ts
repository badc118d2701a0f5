import { describe, expect, it } from 'vitest'
import { modelEndData } from './model-end.js'

const usage = { inputTokens: 3, outputTokens: 4, totalTokens: 7 }

describe('modelEndData', () => {
  it('joins the text and reasoning parts and lists the tool calls in order', () => {
    const data = modelEndData(2, {
      content: [
        { type: 'reasoning', text: 'Think. ' },
        { type: 'text', text: 'Hello, ' },
        { type: 'tool-call', callId: 'c1', name: 'add', arguments: '{"a":1}' },
        { type: 'reasoning', text: 'Again.' },
        { type: 'text', text: 'world.' },
        { type: 'tool-call', callId: 'c2', name: 'sub', arguments: 'not json' },
      ],
      finishReason: 'tool-calls',
      usage,
    })
    expect(data).toEqual({
      type: 'model.end',
      turn: 2,
      finishReason: 'tool-calls',
      usage,
      text: 'Hello, world.',
      reasoning: 'Think. Again.',
      toolCalls: [
        { callId: 'c1', toolName: 'add', arguments: '{"a":1}' },
        { callId: 'c2', toolName: 'sub', arguments: 'not json' },
      ],
    })
  })

  it('gives empty text and no tool calls for an empty answer, and leaves out absent or redacted reasoning', () => {
    const data = modelEndData(1, {
      content: [{ type: 'reasoning', text: '', redacted: true }],
      finishReason: 'stop',
      usage,
    })
    expect(data).toEqual({ type: 'model.end', turn: 1, finishReason: 'stop', usage, text: '', toolCalls: [] })
    expect('reasoning' in data).toBe(false)
  })
})
