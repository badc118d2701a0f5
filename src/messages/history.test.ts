import { describe, expect, it } from 'vitest'
import { Agent } from '../agent/agent.js'
import { run } from '../run/run.js'
import { scriptedModel } from '../testing/scripted-model.js'
import { type AnthropicConversation, fromAnthropic, toAnthropic } from './anthropic-format.js'
import { history, validateHistory } from './history.js'
import type { Message } from './message.js'
import { fromOpenAIChat, type OpenAIChatMessage, toOpenAIChat } from './openai-format.js'

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

const savedOpenAIChat: OpenAIChatMessage[] = [
  { role: 'developer', content: 'You are a search assistant.' },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'Find release notes. Here is a screenshot.' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ],
  },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_1', type: 'function', function: { name: 'search', arguments: '{"query": "OpenAI"}' } },
      { id: 'call_2', type: 'function', function: { name: 'search', arguments: '{"query": "Anthropic"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'call_1', content: 'OpenAI notes' },
  { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'Anthropic notes' }] },
  { role: 'assistant', content: 'Both found.', reasoning_content: 'Two searches suffice.' },
]

describe('OpenAI Chat Completions shape', () => {
  it('converts a saved chat to agentloop messages and back', () => {
    const messages = fromOpenAIChat(savedOpenAIChat)
    expect(messages[0]).toEqual({ role: 'system', content: 'You are a search assistant.' })
    expect(messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Find release notes. Here is a screenshot.' },
        { type: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=' },
      ],
    })
    expect(messages[4]).toEqual({
      role: 'tool',
      callId: 'call_2',
      toolName: 'search',
      content: 'Anthropic notes',
    })
    expect(messages[5]).toEqual({
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'Two searches suffice.' },
        { type: 'text', text: 'Both found.' },
      ],
    })
    validateHistory(messages)
    const back = toOpenAIChat(messages)
    expect(back[2]).toEqual({ ...savedOpenAIChat[2] })
    expect(back[3]).toEqual(savedOpenAIChat[3])
    expect(back[1]).toEqual(savedOpenAIChat[1])
    expect(toOpenAIChat(messages, { instructions: 'Top.' })[0]).toEqual({ role: 'system', content: 'Top.' })
  })

  it('rejects a tool message whose call is missing', () => {
    expect(() => fromOpenAIChat([{ role: 'tool', tool_call_id: 'x', content: 'r' }])).toThrow(
      /messages\[0\] answers tool call "x", which no earlier assistant message made/,
    )
  })
})

const savedAnthropicChat: AnthropicConversation = {
  system: [{ type: 'text', text: 'You are a search assistant.' }],
  messages: [
    { role: 'user', content: 'Find release notes.' },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Search twice.', signature: 'sig123' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'Searching.' },
        { type: 'tool_use', id: 'toolu_1', name: 'search', input: { query: 'OpenAI' } },
        { type: 'tool_use', id: 'toolu_2', name: 'search', input: { query: 'Anthropic' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'OpenAI notes' },
        {
          type: 'tool_result',
          tool_use_id: 'toolu_2',
          content: [{ type: 'text', text: 'failed' }],
          is_error: true,
        },
        { type: 'text', text: 'Summarise them.' },
      ],
    },
  ],
}

describe('Anthropic Messages shape', () => {
  it('converts a saved chat to agentloop messages and back, keeping thinking signatures', () => {
    const messages = fromAnthropic(savedAnthropicChat)
    expect(messages.map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'tool',
      'user',
    ])
    expect(messages[4]).toEqual({
      role: 'tool',
      callId: 'toolu_2',
      toolName: 'search',
      content: 'failed',
      isError: true,
    })
    validateHistory(messages)
    const back = toAnthropic(messages)
    expect(back.system).toBe('You are a search assistant.')
    expect(back.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Find release notes.' }] },
      savedAnthropicChat.messages[1],
      // Tool results and the user's text join one user message, as Anthropic expects.
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'OpenAI notes' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'failed', is_error: true },
          { type: 'text', text: 'Summarise them.' },
        ],
      },
    ])
  })

  it('continues a restored Anthropic chat with any model', async () => {
    const model = scriptedModel([{ text: 'OpenAI published notes; the Anthropic search failed.' }])
    const agent = new Agent({ name: 'continue', model })
    const result = await run(agent, fromAnthropic(savedAnthropicChat))
    expect(result.output).toBe('OpenAI published notes; the Anthropic search failed.')
    expect(model.requests[0]?.messages).toHaveLength(6)
  })
})
