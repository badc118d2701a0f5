/**
 * What the AI SDK adapter reads from a provider's raw chunks (`includeRawChunks`), where the
 * parsed parts of an AI SDK provider lose information: the response id and model when the first
 * chunk has empty ones (Azure), and which choice a chunk belongs to when a server sends several
 * (`n > 1`: AI SDK providers read `choices[0]` of every chunk, whatever its index). Chunks of
 * other choices are dropped, and the finish reason is choice 0's.
 *
 * @module
 */
import type { FinishReason } from '../../model/model-response.js'
import type { JsonValue } from '../../util/json.js'

type Loose = Record<string, unknown>
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
}

/** The state read from the raw chunks of one stream. */
export interface RawChunkReader {
  /** Reads one raw chunk; returns whether the parsed parts that follow belong to another choice. */
  read(raw: unknown): boolean
  readonly responseId: string | undefined
  readonly modelId: string | undefined
  /** Choice 0's finish reason, when the chunks carried several choices. */
  readonly firstChoiceFinish: FinishReason | undefined
  /** Every raw chunk, when kept. */
  readonly chunks: JsonValue[] | undefined
}

/** Creates the reader of one stream's raw chunks; `keep` keeps them for `ModelResponse.raw`. */
export function createRawChunkReader(keep: boolean): RawChunkReader {
  const chunks: JsonValue[] | undefined = keep ? [] : undefined
  let responseId: string | undefined
  let modelId: string | undefined
  let severalChoices = false
  let firstChoiceFinish: FinishReason | undefined
  return {
    read(raw) {
      chunks?.push(raw as JsonValue)
      if (!isObject(raw)) return false
      responseId ??= text(raw.id)
      modelId ??= text(raw.model)
      const choices = Array.isArray(raw.choices) ? raw.choices.filter(isObject) : []
      let other = choices.length > 0
      for (const choice of choices) {
        const index = typeof choice.index === 'number' ? choice.index : 0
        if (index > 0) severalChoices = true
        else {
          other = false
          const reason = text(choice.finish_reason)
          if (reason !== undefined) firstChoiceFinish = FINISH_REASONS[reason] ?? 'other'
        }
      }
      return other
    },
    get responseId() {
      return responseId
    },
    get modelId() {
      return modelId
    },
    get firstChoiceFinish() {
      return severalChoices ? firstChoiceFinish : undefined
    },
    get chunks() {
      return chunks
    },
  }
}
