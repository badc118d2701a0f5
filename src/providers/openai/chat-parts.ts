/**
 * Reads Chat Completions chunks (OpenAI and every compatible server) into agentloop stream parts,
 * leniently: tool-call deltas without `index` (Mistral), repeated empty ids (Qwen), whole arguments
 * in one chunk (Groq), `reasoning_content` / `reasoning` fields (DeepSeek, xAI, vLLM, Ollama),
 * refusals, usage on the finish chunk or in a chunk of its own, or missing, a first chunk with
 * empty `id`/`model` (Azure's prompt-filter results), several choices (`n > 1`: only choice 0 is
 * read, the others are never mixed in), provider data on tool calls (Gemini's `extra_content`
 * with its `thought_signature`), and errors sent inside the stream.
 *
 * @module
 */
import { ModelError } from '../../errors/errors.js'
import type { AssistantPart, ProviderMetadata, ToolCallPart } from '../../messages/message.js'
import { type FinishReason, type ModelResponse, textOfContent } from '../../model/model-response.js'
import type { ModelStreamPart } from '../../model/model-stream-part.js'
import type { Usage } from '../../model/usage.js'
import type { JsonValue } from '../../util/json.js'
import { streamReportedError } from '../shared/provider-error.js'

type Loose = Record<string, unknown>

const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined)

/** Maps a Chat Completions finish reason. */
export function chatFinishReason(reason: unknown, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'stop':
    case 'end_turn':
    case 'eos':
      // Some servers (Ollama, older vLLM) say "stop" after tool calls.
      return hasToolCalls ? 'tool-calls' : 'stop'
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls'
    case 'length':
      return 'length'
    case 'content_filter':
      return 'content-filter'
    default:
      return hasToolCalls ? 'tool-calls' : 'other'
  }
}

/** Reads a Chat Completions usage object (with the details of OpenAI and DeepSeek). */
export function chatUsage(raw: unknown): Usage | undefined {
  if (!isObject(raw)) return undefined
  const inputTokens = num(raw.prompt_tokens) ?? 0
  const outputTokens = num(raw.completion_tokens) ?? 0
  const usage: Usage = {
    inputTokens,
    outputTokens,
    totalTokens: num(raw.total_tokens) ?? inputTokens + outputTokens,
  }
  const reasoning = num(
    isObject(raw.completion_tokens_details) ? raw.completion_tokens_details.reasoning_tokens : undefined,
  )
  if (reasoning !== undefined) usage.reasoningTokens = reasoning
  const cached =
    num(isObject(raw.prompt_tokens_details) ? raw.prompt_tokens_details.cached_tokens : undefined) ??
    num(raw.prompt_cache_hit_tokens)
  if (cached !== undefined) usage.cachedInputTokens = cached
  return usage
}

/** Fields of a tool call every server sends; anything else is provider data kept with the call. */
const TOOL_CALL_FIELDS = new Set(['index', 'id', 'type', 'function'])

/**
 * Provider data on a tool call (Gemini's `extra_content: { google: { thought_signature } }`),
 * kept under the provider's name so it goes back with the call in the next request.
 */
function toolCallExtras(provider: string, call: Loose): ProviderMetadata | undefined {
  let extras: Record<string, unknown> | undefined
  for (const [key, value] of Object.entries(call)) {
    if (TOOL_CALL_FIELDS.has(key) || value === null || value === undefined) continue
    extras ??= {}
    extras[key] = value
  }
  return extras === undefined ? undefined : { [provider]: extras }
}

/** Whether a choice is the first one (`n > 1` streams interleave chunks of every choice). */
function isFirstChoice(choice: Loose): boolean {
  return choice.index === undefined || choice.index === null || choice.index === 0
}

interface OpenCall {
  callId: string
  name: string
  started: boolean
  /** Arguments received before the name (sent once the call starts). */
  pending: string
  providerMetadata?: ProviderMetadata
}

/** Options of {@link createChatStreamReader}. */
export interface ChatStreamReaderOptions {
  /** Keep every chunk, as JSON, for the finish part's `raw`. */
  includeRaw?: boolean
  /** The provider's request id, for errors sent inside the stream. */
  requestId?: string
}

/** The state of one streamed Chat Completions answer; feed it chunks, then call `end`. */
export function createChatStreamReader(provider: string, options: ChatStreamReaderOptions = {}) {
  const calls = new Map<string | number, OpenCall>()
  const byId = new Map<string, OpenCall>()
  const raw: JsonValue[] | undefined = options.includeRaw === true ? [] : undefined
  let last: OpenCall | undefined
  let responseId: string | undefined
  let modelId: string | undefined
  let finishReason: unknown
  let usage: Usage | undefined
  let refusal = ''
  let generated = 0

  function toolDelta(delta: Loose, parts: ModelStreamPart[]): void {
    const id = text(delta.id)
    const fn = isObject(delta.function) ? delta.function : {}
    const name = text(fn.name)
    const args = text(fn.arguments) ?? ''
    const hasId = id !== undefined && id !== ''
    const create = (): OpenCall => {
      const fresh: OpenCall = {
        callId: hasId ? id : `call_${provider}_${++generated}`,
        name: '',
        started: false,
        pending: '',
      }
      byId.set(fresh.callId, fresh)
      return fresh
    }
    let call: OpenCall | undefined
    if (typeof delta.index === 'number') {
      call = calls.get(delta.index)
      // A new id on a used index (servers that number every call 0) starts another call.
      if (call === undefined || (hasId && call.started && call.callId !== id)) {
        call = create()
        calls.set(delta.index, call)
      }
    } else {
      // Without an index (Mistral), a new non-empty id starts a call; otherwise continue the last one.
      call = (hasId ? byId.get(id) : last) ?? create()
      calls.set(`#${call.callId}`, call)
    }
    last = call
    const extras = toolCallExtras(provider, delta)
    if (extras !== undefined) call.providerMetadata = { ...call.providerMetadata, ...extras }
    if (name !== undefined && name !== '' && !call.started) call.name = name
    if (!call.started && call.name !== '') {
      call.started = true
      parts.push({ type: 'tool.call.start', callId: call.callId, name: call.name })
      if (call.pending !== '')
        parts.push({ type: 'tool.call.delta', callId: call.callId, delta: call.pending })
      call.pending = ''
    }
    if (args === '') return
    if (call.started) parts.push({ type: 'tool.call.delta', callId: call.callId, delta: args })
    else call.pending += args
  }

  return {
    /** The parts one chunk produces. Throws `ModelError` for an error sent inside the stream. */
    read(chunk: unknown): ModelStreamPart[] {
      const parts: ModelStreamPart[] = []
      if (!isObject(chunk)) return parts
      raw?.push(chunk as JsonValue)
      if (isObject(chunk.error)) {
        throw streamReportedError(provider, chunk.error, {
          ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
        })
      }
      // Ids come from the first chunk that has them: Azure opens with a chunk of empty ones.
      const id = responseId === undefined ? text(chunk.id) || undefined : undefined
      const model = modelId === undefined ? text(chunk.model) || undefined : undefined
      if (id !== undefined || model !== undefined) {
        responseId ??= id
        modelId ??= model
        parts.push({
          type: 'response.start',
          ...(id === undefined ? {} : { responseId: id }),
          ...(model === undefined ? {} : { modelId: model }),
        })
      }
      const chunkUsage = chatUsage(chunk.usage)
      if (chunkUsage !== undefined) usage = chunkUsage
      const choices = Array.isArray(chunk.choices) ? chunk.choices : []
      for (const choice of choices) {
        // With n > 1 only the first choice is the answer; the others are never mixed in.
        if (!isObject(choice) || !isFirstChoice(choice)) continue
        const delta = isObject(choice.delta) ? choice.delta : {}
        const reasoning = text(delta.reasoning_content) ?? text(delta.reasoning)
        if (reasoning) parts.push({ type: 'reasoning.delta', delta: reasoning })
        const content = text(delta.content)
        if (content) parts.push({ type: 'text.delta', delta: content })
        const refusalDelta = text(delta.refusal)
        if (refusalDelta) {
          refusal += refusalDelta
          parts.push({ type: 'text.delta', delta: refusalDelta })
        }
        if (Array.isArray(delta.tool_calls)) {
          for (const toolCall of delta.tool_calls) if (isObject(toolCall)) toolDelta(toolCall, parts)
        }
        if (choice.finish_reason !== null && choice.finish_reason !== undefined)
          finishReason = choice.finish_reason
      }
      return parts
    },
    /** The closing parts once the stream ended; throws if no finish reason ever came. */
    end(): ModelStreamPart[] {
      if (finishReason === undefined) {
        throw new ModelError({
          provider,
          code: 'stream_incomplete',
          isRetryable: true,
          message: `The ${provider} stream ended without a finish reason, so the response is incomplete; it was discarded.`,
        })
      }
      const parts: ModelStreamPart[] = []
      let hasCalls = false
      for (const call of new Set(calls.values())) {
        if (!call.started) continue
        hasCalls = true
        parts.push({
          type: 'tool.call.end',
          callId: call.callId,
          ...(call.providerMetadata === undefined ? {} : { providerMetadata: call.providerMetadata }),
        })
      }
      const reason = refusal === '' ? chatFinishReason(finishReason, hasCalls) : 'content-filter'
      parts.push({
        type: 'finish',
        finishReason: reason,
        usage: usage ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
        ...(refusal === '' ? {} : { providerMetadata: { [provider]: { refusal } } }),
        ...(raw === undefined ? {} : { raw }),
      })
      return parts
    },
  }
}

/** Reads a non-streamed Chat Completions response. */
export function chatResponse(
  provider: string,
  raw: unknown,
  options: { includeRaw?: boolean } = {},
): ModelResponse {
  const body = isObject(raw) ? raw : {}
  const choices = Array.isArray(body.choices) ? body.choices.filter(isObject) : []
  // With n > 1 the first choice is the answer.
  const choice = choices.find(isFirstChoice) ?? choices[0] ?? {}
  const message = isObject(choice.message) ? choice.message : {}
  const content: AssistantPart[] = []
  const reasoning = text(message.reasoning_content) ?? text(message.reasoning)
  if (reasoning) content.push({ type: 'reasoning', text: reasoning })
  const refusal = text(message.refusal)
  const answer = text(message.content)
  if (answer) content.push({ type: 'text', text: answer })
  if (refusal) content.push({ type: 'text', text: refusal })
  let generated = 0
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isObject(call)) continue
      const fn = isObject(call.function) ? call.function : {}
      const part: ToolCallPart = {
        type: 'tool-call',
        callId: text(call.id) || `call_${provider}_${++generated}`,
        name: text(fn.name) ?? '',
        // A call with no input is `{}`, never "".
        arguments: text(fn.arguments) || (isObject(fn.arguments) ? JSON.stringify(fn.arguments) : '') || '{}',
      }
      const extras = toolCallExtras(provider, call)
      if (extras !== undefined) part.providerMetadata = extras
      content.push(part)
    }
  }
  const hasCalls = content.some((part) => part.type === 'tool-call')
  const response: ModelResponse = {
    content,
    finishReason: refusal ? 'content-filter' : chatFinishReason(choice.finish_reason, hasCalls),
    usage: chatUsage(body.usage) ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    outputText: textOfContent(content),
  }
  if (text(body.id)) response.responseId = text(body.id) as string
  if (text(body.model)) response.modelId = text(body.model) as string
  if (refusal) response.providerMetadata = { [provider]: { refusal } }
  if (options.includeRaw === true) response.raw = raw as JsonValue
  return response
}
