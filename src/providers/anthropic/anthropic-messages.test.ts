import { Agent, run, validateHistory } from 'agentloop'
import { scriptedModel } from 'agentloop/testing'
import { describe, expect, it } from 'vitest'
import { type AnthropicConversation, fromAnthropic, toAnthropic } from './anthropic-messages.js'

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

describe('one converter for saved chats and requests', () => {
  it('builds the messages of every anthropic request, and sends redacted thinking back as it came', async () => {
    const { anthropicBody } = await import('./anthropic-request.js')
    const messages = fromAnthropic(savedAnthropicChat)
    expect(messages[2]).toMatchObject({
      content: expect.arrayContaining([
        { type: 'reasoning', text: '', redacted: true, providerMetadata: { anthropic: { data: 'opaque' } } },
      ]),
    })
    const body = anthropicBody({
      modelId: 'claude-sonnet-4-5',
      request: { messages, tools: [], toolChoice: 'auto' },
      defaults: {},
      maxTokens: 1000,
      stream: false,
    })
    const conversation = toAnthropic(messages)
    expect(body.messages).toEqual(conversation.messages)
    expect(body.system).toBe(conversation.system)
    // Conversations stored by earlier versions (redactedData) still convert.
    const legacy = toAnthropic([
      {
        role: 'assistant',
        content: [
          {
            type: 'reasoning',
            text: '',
            redacted: true,
            providerMetadata: { anthropic: { redactedData: 'old' } },
          },
          { type: 'tool-call', callId: 't', name: 'now', arguments: '' },
        ],
      },
    ])
    expect(legacy.messages[0]?.content).toEqual([
      { type: 'redacted_thinking', data: 'old' },
      { type: 'tool_use', id: 't', name: 'now', input: {} },
    ])
  })
})
