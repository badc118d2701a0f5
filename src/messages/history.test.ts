import { describe, expect, it } from 'vitest'
import { history, validateHistory } from './history.js'
import type { Message } from './message.js'

describe('history()', () => {
  it('assembles system, user, assistant, parallel tool calls and their results', () => {
    const messages = history()
      .system('Be brief.')
      .user('What is 2 + 3 and 4 + 5?')
      .assistant('Let me add.')
      .toolCall({ id: 'c1', name: 'add', arguments: { a: 2, b: 3 } })
      .toolCall({ id: 'c2', name: 'add', arguments: '{"a":4,"b":5}' })
      .toolResult('c1', 5)
      .toolResult('c2', { sum: 9 }, { isError: false })
      .assistant('5 and 9.')
      .build()
    expect(messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is 2 + 3 and 4 + 5?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me add.' },
          { type: 'tool-call', callId: 'c1', name: 'add', arguments: '{"a":2,"b":3}' },
          { type: 'tool-call', callId: 'c2', name: 'add', arguments: '{"a":4,"b":5}' },
        ],
      },
      { role: 'tool', callId: 'c1', toolName: 'add', content: '5' },
      { role: 'tool', callId: 'c2', toolName: 'add', content: '{"sum":9}' },
      { role: 'assistant', content: '5 and 9.' },
    ])
  })

  it('refuses a tool result without its call, naming the fix', () => {
    expect(() => history().user('hi').toolResult('nope', 1)).toThrow(
      'history: toolResult("nope") has no matching toolCall; add .toolCall({ id: "nope", ... }) first.',
    )
  })

  it('validates that every tool result follows its call and every call is answered', () => {
    const call: Message = {
      role: 'assistant',
      content: [{ type: 'tool-call', callId: 'c1', name: 'add', arguments: '{}' }],
    }
    const result: Message = { role: 'tool', callId: 'c1', toolName: 'add', content: '1' }
    expect(() => validateHistory([{ role: 'user', content: 'q' }, result])).toThrow(
      /message 1 is the result of tool call "c1", but no assistant message right before it made that call/,
    )
    expect(() => validateHistory([call, { role: 'user', content: 'q' }, result])).toThrow(
      /message 0 has tool calls without results \(c1\) before message 1/,
    )
    expect(() => validateHistory([call, result, result])).toThrow(/message 2 is the result of tool call "c1"/)
    expect(() => validateHistory([call, { ...result, toolName: 'sub' }])).toThrow(/but the call was to "add"/)
    expect(() => validateHistory([call])).toThrow(/ends the conversation with tool calls without results/)
    expect(() => validateHistory([call], { allowPendingToolCalls: true })).not.toThrow()
    expect(() => history().append([call, result]).build()).not.toThrow()
  })
})
