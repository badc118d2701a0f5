import { collectResponse, type ModelStreamPart } from 'agentloop'
import { describe, expect, it } from 'vitest'
import { createAnthropicStreamReader } from './anthropic-parts.js'
import { anthropicBody } from './anthropic-request.js'

function read(events: object[]): ModelStreamPart[] {
  const reader = createAnthropicStreamReader()
  return events.flatMap((event) => reader.read(event))
}

describe('Anthropic stream reader', () => {
  it('keeps redacted thinking as an opaque reasoning block and counts cache reads and writes', async () => {
    const parts = read([
      {
        type: 'message_start',
        message: {
          id: 'msg_1',
          model: 'claude-sonnet-4-6',
          usage: {
            input_tokens: 5,
            cache_read_input_tokens: 100,
            cache_creation_input_tokens: 20,
            output_tokens: 1,
          },
        },
      },
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'redacted_thinking', data: 'EncryptedBlob==' },
      },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Done.' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ])
    const response = await collectResponse(
      'anthropic',
      (async function* () {
        yield* parts
      })(),
    )
    expect(response.content).toEqual([
      {
        type: 'reasoning',
        text: '',
        redacted: true,
        providerMetadata: { anthropic: { data: 'EncryptedBlob==' } },
      },
      { type: 'text', text: 'Done.' },
    ])
    expect(response.usage).toEqual({
      inputTokens: 125,
      outputTokens: 9,
      totalTokens: 134,
      cachedInputTokens: 100,
      cacheWriteInputTokens: 20,
    })
  })

  it('maps stop reasons', async () => {
    for (const [stop, expected] of [
      ['max_tokens', 'length'],
      ['refusal', 'content-filter'],
      ['stop_sequence', 'stop'],
      ['pause_turn', 'other'],
    ]) {
      const parts = read([
        { type: 'message_start', message: {} },
        { type: 'message_delta', delta: { stop_reason: stop } },
        { type: 'message_stop' },
      ])
      expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: expected })
    }
  })
})

describe('Anthropic request body', () => {
  it('sends redacted thinking back, and takes cacheControl and pass-through options per request', () => {
    const body = anthropicBody({
      modelId: 'claude-sonnet-4-6',
      maxTokens: 1000,
      stream: true,
      defaults: {},
      request: {
        messages: [
          { role: 'system', content: 'Extra rules.' },
          { role: 'user', content: 'Hi' },
          {
            role: 'assistant',
            content: [
              {
                type: 'reasoning',
                text: '',
                redacted: true,
                providerMetadata: { anthropic: { data: 'Blob' } },
              },
              { type: 'reasoning', text: 'unsigned, dropped' },
              { type: 'text', text: 'Hello' },
            ],
          },
          { role: 'user', content: [{ type: 'image', data: 'AAAA', mediaType: 'image/png' }] },
        ],
        tools: [],
        toolChoice: 'auto',
        instructions: 'Be kind.',
        providerOptions: {
          anthropic: { cacheControl: { type: 'ephemeral', ttl: '1h' }, metadata: { user_id: 'u1' } },
        },
      },
    })
    expect(body).toEqual({
      model: 'claude-sonnet-4-6',
      max_tokens: 1000,
      stream: true,
      system: [
        { type: 'text', text: 'Be kind.\n\nExtra rules.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        {
          role: 'assistant',
          content: [
            { type: 'redacted_thinking', data: 'Blob' },
            { type: 'text', text: 'Hello' },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'image',
              source: { type: 'base64', media_type: 'image/png', data: 'AAAA' },
              cache_control: { type: 'ephemeral', ttl: '1h' },
            },
          ],
        },
      ],
      metadata: { user_id: 'u1' },
    })
  })
})
