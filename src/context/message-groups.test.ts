import { describe, expect, it } from 'vitest'
import { validateHistory } from '../messages/history.js'
import type { Message } from '../messages/message.js'
import { findBrokenToolPair } from './message-groups.js'

const call: Message = {
  role: 'assistant',
  content: [{ type: 'tool-call', callId: 'c1', name: 'add', arguments: '{}' }],
}
const result: Message = { role: 'tool', callId: 'c1', toolName: 'add', content: '5' }

describe('findBrokenToolPair', () => {
  it('reports the same problems as validateHistory, from the one shared check', () => {
    const broken: Message[][] = [
      [{ role: 'user', content: 'Hi' }, result],
      [call, { ...result, toolName: 'sub' }],
      [call, { role: 'user', content: 'next' }],
    ]
    for (const messages of broken) {
      const problem = findBrokenToolPair([], messages)
      expect(problem).toBeDefined()
      expect(() => validateHistory(messages)).toThrow(`history: ${problem}`)
    }
  })

  it('accepts a pending call at the end unless compaction dropped the result it had', () => {
    const user: Message = { role: 'user', content: 'Hi' }
    expect(findBrokenToolPair([user, call], [user, call])).toBeUndefined()
    expect(findBrokenToolPair([user, call, result], [user, call])).toMatch(
      /message 1 has tool call "c1" \(add\) kept without its result/,
    )
  })
})
