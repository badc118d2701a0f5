import { ConfigError } from '../errors/errors.js'
import type { Model, ModelCapabilities } from '../model/model.js'
import {
  completeRequest,
  type ModelCallOptions,
  type ModelCallRequest,
  type ModelRequest,
} from '../model/model-request.js'
import type { FinishReason, ModelResponse } from '../model/model-response.js'
import type { ModelStreamPart } from '../model/model-stream-part.js'
import { collectResponse } from '../model/response-collector.js'
import type { Usage } from '../model/usage.js'
import { sleep } from '../util/abort.js'
import { toText } from '../util/json.js'

/** A tool call a scripted turn makes. `arguments` may be an object (sent as JSON) or raw text. */
export interface ScriptedToolCall {
  name: string
  arguments?: unknown
  /** Default: `call_<turn>_<index>`. */
  callId?: string
}

/** What the scripted model answers to one call. */
export interface ScriptedTurnSpec {
  /** Streamed in several deltas. */
  text?: string
  reasoning?: string
  toolCalls?: ScriptedToolCall[]
  /** Default: estimated from the request and the answer (about 4 characters a token). */
  usage?: Partial<Usage>
  /** Default: `tool-calls` when there are tool calls, else `stop`. */
  finishReason?: FinishReason
  /** Thrown instead of answering. */
  error?: unknown
  /** Wait this long before answering (the call's signal cancels the wait). */
  delayMs?: number
  /** End the stream without its `finish` part, as a dropped connection would. */
  truncate?: boolean
}

/** A turn: a fixed answer, or a function of the request. */
export type ScriptedTurn =
  | ScriptedTurnSpec
  | ((request: ModelRequest) => ScriptedTurnSpec | Promise<ScriptedTurnSpec>)

/** A model that answers from a script and records what it was asked. */
export interface ScriptedModel extends Model {
  /** Every request received, in order. */
  readonly requests: ModelRequest[]
  /** Turns not used yet. */
  readonly remaining: number
}

/** Options of {@link scriptedModel}. */
export interface ScriptedModelOptions {
  provider?: string
  modelId?: string
  /**
   * What the model declares (default: tools, parallel tool calls, structured output and a
   * 128,000-token context window). Without `contextWindow`, runs use the default context budget
   * and send a `context.budget` event.
   */
  capabilities?: ModelCapabilities
  /** Characters per streamed text delta (default 8). */
  chunkSize?: number
}

/**
 * A model for tests and examples that plays back scripted turns, one per call: text streamed in
 * several deltas, reasoning, tool calls with arguments in several deltas, usage, or an error.
 * Running out of turns fails the call with a clear error.
 *
 * @example
 * const model = scriptedModel([{ toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }] }, { text: '5' }])
 */
export function scriptedModel(
  turns: readonly ScriptedTurn[],
  options: ScriptedModelOptions = {},
): ScriptedModel {
  if (!Array.isArray(turns)) {
    throw new ConfigError({ message: 'scriptedModel(turns): turns must be an array of scripted answers.' })
  }
  const provider = options.provider ?? 'scripted'
  const chunkSize = options.chunkSize ?? 8
  const requests: ModelRequest[] = []
  let next = 0

  async function* play(
    callRequest: ModelCallRequest,
    callOptions: ModelCallOptions = {},
  ): AsyncGenerator<ModelStreamPart> {
    const request = completeRequest(callRequest)
    requests.push(request)
    const index = next++
    const turn = turns[index]
    if (turn === undefined) {
      throw new ConfigError({
        message: `scriptedModel received model call #${index + 1} but only ${turns.length} turn(s) were scripted. Add a turn to the script, or find out why the agent called the model again.`,
      })
    }
    const spec = typeof turn === 'function' ? await turn(request) : turn
    if (spec.delayMs !== undefined) await sleep(spec.delayMs, callOptions.signal)
    callOptions.signal?.throwIfAborted()
    if (spec.error !== undefined) throw spec.error

    yield { type: 'response.start', responseId: `scripted_${index + 1}`, modelId: model.modelId }
    if (spec.reasoning !== undefined) {
      for (const delta of chunks(spec.reasoning, chunkSize)) yield { type: 'reasoning.delta', delta }
      yield { type: 'reasoning.end' }
    }
    if (spec.text !== undefined)
      for (const delta of chunks(spec.text, chunkSize)) yield { type: 'text.delta', delta }
    let outputChars = (spec.text?.length ?? 0) + (spec.reasoning?.length ?? 0)
    const calls = spec.toolCalls ?? []
    for (const [position, call] of calls.entries()) {
      const callId = call.callId ?? `call_${index + 1}_${position}`
      const args = typeof call.arguments === 'string' ? call.arguments : toText(call.arguments ?? {})
      outputChars += args.length
      yield { type: 'tool.call.start', callId, name: call.name }
      for (const delta of chunks(args, Math.max(1, Math.ceil(args.length / 2)))) {
        yield { type: 'tool.call.delta', callId, delta }
      }
      yield { type: 'tool.call.end', callId }
    }
    if (spec.truncate === true) return
    const inputTokens = spec.usage?.inputTokens ?? Math.ceil(toText(request.messages).length / 4)
    const outputTokens = spec.usage?.outputTokens ?? Math.ceil(outputChars / 4)
    yield {
      type: 'finish',
      finishReason: spec.finishReason ?? (calls.length > 0 ? 'tool-calls' : 'stop'),
      usage: { ...spec.usage, inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    }
  }

  const model: ScriptedModel = {
    specificationVersion: 'agentloop.model.v1',
    provider,
    modelId: options.modelId ?? 'scripted-model',
    capabilities: options.capabilities ?? {
      tools: true,
      parallelToolCalls: true,
      structuredOutput: true,
      contextWindow: 128_000,
    },
    requests,
    get remaining() {
      return Math.max(0, turns.length - next)
    },
    stream: play,
    generate(request: ModelCallRequest, callOptions?: ModelCallOptions): Promise<ModelResponse> {
      return collectResponse(provider, play(request, callOptions))
    },
  }
  return model
}

function* chunks(text: string, size: number): Generator<string> {
  if (text === '') return
  for (let start = 0; start < text.length; start += size) yield text.slice(start, start + size)
}
