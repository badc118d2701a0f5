/**
 * Builders of provider wire traffic for the fake provider server: an answer (text, reasoning, tool
 * calls, usage) written as an OpenAI Chat Completions, OpenAI Responses or Anthropic Messages SSE
 * stream, in the exact shape the real APIs send (text and arguments split over several events),
 * plus each provider's error body. The recorded fixtures cover real quirks; these cover scenarios.
 *
 * @module
 */
import type { FakeResponse } from './fake-provider-server.js'

/** A tool call of a wire answer. */
export interface WireToolCall {
  id: string
  name: string
  /** The arguments as JSON text; `''` is a call with no input (no argument deltas at all). */
  arguments: string
  /**
   * Provider data on the call, written where the wire format carries it (Chat Completions: extra
   * fields of the tool call, such as Gemini's `extra_content`); formats without a place drop it.
   */
  providerData?: Record<string, unknown>
}

/** An answer to encode. */
export interface WireAnswer {
  text?: string
  reasoning?: string
  toolCalls?: WireToolCall[]
  usage?: { inputTokens: number; outputTokens: number }
  /** Defaults to `tool-calls` when there are tool calls, else `stop`. */
  finishReason?: 'stop' | 'tool-calls' | 'length'
  /** Stamped as the model of the response (default `fake-model`). */
  model?: string
  /** Stamped as the id of the response (default per format, such as `chatcmpl-fake`). */
  id?: string
  /**
   * Chat Completions: open with a chunk of empty `id` / `model` and no choices, as Azure sends
   * its prompt-filter results first. Other formats always carry ids in their first event.
   */
  emptyFirstChunk?: boolean
  /**
   * Chat Completions with `n > 1`: the texts of further choices (index 1, 2...), their chunks
   * interleaved with choice 0's and finishing after it with `length`. Formats without choices drop them.
   */
  otherChoices?: string[]
  /**
   * An error the provider sends inside the stream after the text, instead of finishing, in the
   * format's own shape (Chat `data: {"error"}`, Responses `error` event, Anthropic `error` event).
   */
  streamError?: { type: string; code?: string; message: string }
}

/** Splits a text in pieces of about `size` characters, the way providers stream it. */
export function splitText(text: string, size = 4): string[] {
  const pieces: string[] = []
  for (let index = 0; index < text.length; index += size) pieces.push(text.slice(index, index + size))
  return pieces
}

const sseData = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`
const sseEvent = (value: { type: string }) => `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`

function finishOf(answer: WireAnswer): 'stop' | 'tool-calls' | 'length' {
  return answer.finishReason ?? ((answer.toolCalls?.length ?? 0) > 0 ? 'tool-calls' : 'stop')
}

/** The answer as an OpenAI Chat Completions stream (with the include_usage chunk and `[DONE]`). */
export function openaiChatStream(answer: WireAnswer): FakeResponse {
  const base = {
    id: answer.id ?? 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1,
    model: answer.model ?? 'fake-model',
  }
  const chunk = (delta: object, finish: string | null = null, index = 0) =>
    sseData({ ...base, choices: [{ index, delta, logprobs: null, finish_reason: finish }] })
  let sse = ''
  if (answer.emptyFirstChunk === true) {
    sse += sseData({
      choices: [],
      created: 0,
      id: '',
      model: '',
      object: '',
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
    })
  }
  sse += chunk({ role: 'assistant', content: '', refusal: null })
  for (const piece of splitText(answer.reasoning ?? '')) sse += chunk({ reasoning_content: piece })
  // Further choices (n > 1) interleave chunk by chunk with choice 0's text.
  const others = (answer.otherChoices ?? []).map((text) => splitText(text, 3))
  for (const piece of splitText(answer.text ?? '')) {
    sse += chunk({ content: piece })
    others.forEach((pieces, index) => {
      const next = pieces.shift()
      if (next !== undefined) sse += chunk({ content: next }, null, index + 1)
    })
  }
  answer.toolCalls?.forEach((call, index) => {
    sse += chunk({
      tool_calls: [
        {
          index,
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: '' },
          ...call.providerData,
        },
      ],
    })
    for (const piece of splitText(call.arguments, 5))
      sse += chunk({ tool_calls: [{ index, function: { arguments: piece } }] })
  })
  if (answer.streamError !== undefined) {
    const { type, code, message } = answer.streamError
    return { sse: sse + sseData({ error: { message, type, param: null, code: code ?? null } }) }
  }
  const finish = { stop: 'stop', 'tool-calls': 'tool_calls', length: 'length' }[finishOf(answer)]
  sse += chunk({}, finish)
  others.forEach((pieces, index) => {
    if (pieces.length > 0) sse += chunk({ content: pieces.join('') }, null, index + 1)
    sse += chunk({}, 'length', index + 1)
  })
  const usage = answer.usage ?? { inputTokens: 10, outputTokens: 5 }
  sse += sseData({
    ...base,
    choices: [],
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
  })
  sse += 'data: [DONE]\n\n'
  return { sse }
}

/** The answer as an OpenAI Responses API stream. */
export function openaiResponsesStream(answer: WireAnswer): FakeResponse {
  const model = answer.model ?? 'fake-model'
  const usage = answer.usage ?? { inputTokens: 10, outputTokens: 5 }
  const response = {
    id: answer.id ?? 'resp_fake',
    object: 'response',
    model,
    status: 'in_progress',
    output: [] as unknown[],
  }
  let sse = sseEvent({ type: 'response.created', response } as { type: string })
  let outputIndex = 0
  const output: unknown[] = []
  if (answer.reasoning !== undefined) {
    const item = { id: 'rs_fake', type: 'reasoning', summary: [] as unknown[] }
    sse += sseEvent({ type: 'response.output_item.added', output_index: outputIndex, item } as {
      type: string
    })
    for (const delta of splitText(answer.reasoning)) {
      sse += sseEvent({
        type: 'response.reasoning_summary_text.delta',
        item_id: item.id,
        output_index: outputIndex,
        summary_index: 0,
        delta,
      } as { type: string })
    }
    const done = { ...item, summary: [{ type: 'summary_text', text: answer.reasoning }] }
    sse += sseEvent({ type: 'response.output_item.done', output_index: outputIndex++, item: done } as {
      type: string
    })
    output.push(done)
  }
  if (answer.text !== undefined) {
    const item = { id: 'msg_fake', type: 'message', role: 'assistant', status: 'in_progress', content: [] }
    sse += sseEvent({ type: 'response.output_item.added', output_index: outputIndex, item } as {
      type: string
    })
    for (const delta of splitText(answer.text)) {
      sse += sseEvent({
        type: 'response.output_text.delta',
        item_id: item.id,
        output_index: outputIndex,
        content_index: 0,
        delta,
      } as { type: string })
    }
    const done = {
      ...item,
      status: 'completed',
      content: [{ type: 'output_text', text: answer.text, annotations: [] }],
    }
    sse += sseEvent({ type: 'response.output_item.done', output_index: outputIndex++, item: done } as {
      type: string
    })
    output.push(done)
  }
  if (answer.streamError !== undefined) {
    const { type, code, message } = answer.streamError
    return {
      sse:
        sse +
        sseEvent({ type: 'error', code: code ?? type, message, param: null, sequence_number: 99 } as {
          type: string
        }),
    }
  }
  for (const call of answer.toolCalls ?? []) {
    const item = {
      id: `fc_${call.id}`,
      type: 'function_call',
      status: 'in_progress',
      call_id: call.id,
      name: call.name,
      arguments: '',
    }
    sse += sseEvent({ type: 'response.output_item.added', output_index: outputIndex, item } as {
      type: string
    })
    for (const delta of splitText(call.arguments, 5)) {
      sse += sseEvent({
        type: 'response.function_call_arguments.delta',
        item_id: item.id,
        output_index: outputIndex,
        delta,
      } as { type: string })
    }
    const done = { ...item, status: 'completed', arguments: call.arguments }
    sse += sseEvent({ type: 'response.output_item.done', output_index: outputIndex++, item: done } as {
      type: string
    })
    output.push(done)
  }
  const incomplete = finishOf(answer) === 'length'
  sse += sseEvent({
    type: incomplete ? 'response.incomplete' : 'response.completed',
    response: {
      ...response,
      status: incomplete ? 'incomplete' : 'completed',
      incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
      output,
      usage: {
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        total_tokens: usage.inputTokens + usage.outputTokens,
      },
    },
  } as { type: string })
  return { sse }
}

/** The answer as an Anthropic Messages stream. */
export function anthropicStream(answer: WireAnswer): FakeResponse {
  const usage = answer.usage ?? { inputTokens: 10, outputTokens: 5 }
  let sse = sseEvent({
    type: 'message_start',
    message: {
      id: answer.id ?? 'msg_fake',
      type: 'message',
      role: 'assistant',
      model: answer.model ?? 'fake-model',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.inputTokens, output_tokens: 1 },
    },
  } as { type: string })
  let index = 0
  const block = (content_block: object, deltas: object[]) => {
    sse += sseEvent({ type: 'content_block_start', index, content_block } as { type: string })
    for (const delta of deltas)
      sse += sseEvent({ type: 'content_block_delta', index, delta } as { type: string })
    sse += sseEvent({ type: 'content_block_stop', index } as { type: string })
    index++
  }
  if (answer.reasoning !== undefined) {
    block({ type: 'thinking', thinking: '', signature: '' }, [
      ...splitText(answer.reasoning).map((thinking) => ({ type: 'thinking_delta', thinking })),
      { type: 'signature_delta', signature: 'sig-fake' },
    ])
  }
  if (answer.text !== undefined) {
    block(
      { type: 'text', text: '' },
      splitText(answer.text).map((text) => ({ type: 'text_delta', text })),
    )
  }
  if (answer.streamError !== undefined) {
    const { type, message } = answer.streamError
    return { sse: sse + sseEvent({ type: 'error', error: { type, message } } as { type: string }) }
  }
  for (const call of answer.toolCalls ?? []) {
    block({ type: 'tool_use', id: call.id, name: call.name, input: {} }, [
      { type: 'input_json_delta', partial_json: '' },
      ...splitText(call.arguments, 5).map((partial_json) => ({ type: 'input_json_delta', partial_json })),
    ])
  }
  const stop = { stop: 'end_turn', 'tool-calls': 'tool_use', length: 'max_tokens' }[finishOf(answer)]
  sse += sseEvent({
    type: 'message_delta',
    delta: { stop_reason: stop, stop_sequence: null },
    usage: { output_tokens: usage.outputTokens },
  } as { type: string })
  sse += sseEvent({ type: 'message_stop' })
  return { sse }
}

/** An OpenAI-style error response (also what OpenAI-compatible servers send). */
export function openaiError(
  status: number,
  message = `fake error ${status}`,
  code: string | null = null,
  headers?: Record<string, string>,
): FakeResponse {
  return {
    status,
    json: { error: { message, type: 'invalid_request_error', param: null, code } },
    ...(headers ? { headers } : {}),
  }
}

/** An Anthropic-style error response. */
export function anthropicError(
  status: number,
  type = 'api_error',
  message = `fake error ${status}`,
  headers?: Record<string, string>,
): FakeResponse {
  return { status, json: { type: 'error', error: { type, message } }, ...(headers ? { headers } : {}) }
}
