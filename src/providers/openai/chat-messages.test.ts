import { validateHistory } from 'agentloop'
import { describe, expect, it } from 'vitest'
import { fromOpenAIChat, type OpenAIChatMessage, toOpenAIChat } from './chat-messages.js'

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

describe('one converter for saved chats and requests', () => {
  it('builds the messages of every openaiChat request, provider data on tool calls included', async () => {
    const { chatBody } = await import('./chat-request.js')
    const signature = { google: { thought_signature: 'CiQB0e2Kb8Ysig==' } }
    const saved: OpenAIChatMessage[] = [
      { role: 'user', content: 'Time?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_g',
            type: 'function',
            function: { name: 'now', arguments: '' },
            extra_content: signature,
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_g', content: '12:00' },
    ]
    const messages = fromOpenAIChat(saved)
    expect(messages[1]).toEqual({
      role: 'assistant',
      content: [
        {
          type: 'tool-call',
          callId: 'call_g',
          name: 'now',
          arguments: '{}',
          providerMetadata: { openai: { extra_content: signature } },
        },
      ],
    })
    const body = chatBody({
      modelId: 'gemini-2.5-flash',
      request: { instructions: 'Be brief.', messages, tools: [], toolChoice: 'auto' },
      defaults: {},
      compatibility: {},
      stream: false,
    })
    expect(body.messages).toEqual(toOpenAIChat(messages, { instructions: 'Be brief.' }))
    expect((body.messages as OpenAIChatMessage[])[2]).toMatchObject({
      tool_calls: [{ id: 'call_g', extra_content: signature, function: { name: 'now', arguments: '{}' } }],
    })
    // Another provider's data stays home.
    expect(toOpenAIChat(messages, { provider: 'groq' })[1]).not.toHaveProperty('tool_calls.0.extra_content')
  })
})
