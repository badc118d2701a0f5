/**
 * One model call with one retry budget: every attempt (the first one included) is counted here and
 * the SDKs' own retries are switched off, so `maxRetries: 2` means at most 3 requests, whatever
 * fails. Also the request timeout (until the first streamed part, or the whole non-streamed call)
 * and the idle timeout between streamed parts.
 *
 * A stream is retried only while nothing has reached the caller. A stream cut after parts were
 * yielded (the connection ended or went silent without a finish) ends with a retryable
 * `ModelError` and never with a `finish` part: the runtime then fails the model call (it never
 * uses a partial answer or executes its tool calls). An error the provider itself reported inside
 * the stream keeps its own class and retryability: a 400-class error stays not retryable.
 *
 * Tool calls whose arguments never arrived (a tool with no input) get `{}`: a call's arguments are
 * always JSON, whichever provider streamed it.
 *
 * @module
 */
import { ModelError } from '../../errors/errors.js'
import type { ModelResponse } from '../../model/model-response.js'
import type { ModelStreamPart } from '../../model/model-stream-part.js'
import { sleep } from '../../util/abort.js'
import type { ClassifiedFailure } from './provider-error.js'
import { type RetryPolicy, retryDelay } from './retry-policy.js'

/** How an adapter's calls are retried and timed out. */
export interface CallSettings {
  /** The provider name errors carry. */
  provider: string
  retry: RetryPolicy
  /** Ms until the first streamed part arrives, or until a non-streamed call answers. */
  timeoutMs: number
  /** Ms allowed between two streamed parts. */
  idleTimeoutMs: number
  /**
   * Turns anything the SDK threw into a `ModelError` (plus the server's Retry-After); `requestId`
   * is the provider's id of the request when the adapter read it from the response headers.
   */
  classify(error: unknown, requestId?: string): ClassifiedFailure
}

/** What an adapter tells the retry loop about one attempt of a stream. */
export interface StreamAttempt {
  /** The provider's request id (from the response headers), set once the response has started. */
  requestId?: string
}

/** Codes of failures where the connection ended or went silent: the only ones called "cut". */
const CUT_CODES = new Set(['connection_error', 'idle_timeout', 'timeout', 'stream_incomplete'])

/** Default request timeout: 10 minutes, like the official SDKs. */
export const DEFAULT_TIMEOUT_MS = 600_000
/** Default idle timeout between streamed chunks: 2 minutes. */
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000

/**
 * Streams one model call through `open`, retrying failures that happen before the first part
 * reached the caller. `open` receives the signal of the attempt and must pass it to the SDK.
 */
export async function* streamWithRetries(
  settings: CallSettings,
  signal: AbortSignal | undefined,
  open: (signal: AbortSignal, attempt: StreamAttempt) => AsyncIterable<ModelStreamPart>,
): AsyncGenerator<ModelStreamPart, void, undefined> {
  for (let attempt = 1; ; attempt++) {
    const attemptSignal = linkedController(signal)
    const state: StreamAttempt = {}
    /** Calls whose arguments have not arrived yet. */
    let emptyCalls: Set<string> | undefined
    let yielded = false
    let finished = false
    let held: ModelStreamPart | undefined
    let iterator: AsyncIterator<ModelStreamPart> | undefined
    try {
      signal?.throwIfAborted()
      iterator = open(attemptSignal.controller.signal, state)[Symbol.asyncIterator]()
      for (;;) {
        const timeout = yielded || held !== undefined ? settings.idleTimeoutMs : settings.timeoutMs
        const next = await nextWithin(
          settings.provider,
          iterator,
          timeout,
          attemptSignal.controller,
          !yielded,
        )
        if (next.done) break
        const part = next.value
        // `response.start` is held back with the next part, so a stream that fails right after
        // its first chunk can still be retried: nothing has reached the caller yet.
        if (part.type === 'response.start' && !yielded) {
          held = part
          continue
        }
        yielded = true
        if (held !== undefined) {
          const start = held
          held = undefined
          yield start
        }
        if (part.type === 'tool.call.start') {
          emptyCalls ??= new Set()
          emptyCalls.add(part.callId)
        } else if (part.type === 'tool.call.delta' && part.delta !== '') emptyCalls?.delete(part.callId)
        else if (part.type === 'tool.call.end' && emptyCalls?.delete(part.callId)) {
          yield { type: 'tool.call.delta', callId: part.callId, delta: '{}' }
        }
        if (part.type === 'finish') finished = true
        yield part
        if (finished) return
      }
      throw new ModelError({
        provider: settings.provider,
        code: 'stream_incomplete',
        isRetryable: true,
        message: `The ${settings.provider} stream ended before the response was complete (no finish reason); the partial response was discarded.`,
      })
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      const failure = settings.classify(error, state.requestId)
      if (!yielded && failure.error.isRetryable && attempt <= settings.retry.maxRetries) {
        await sleep(retryDelay(settings.retry, attempt, failure.retryAfterMs), signal)
        continue
      }
      if (yielded && CUT_CODES.has(failure.error.code ?? '')) throw cutError(failure.error)
      throw withAttempts(failure.error, attempt)
    } finally {
      attemptSignal.dispose()
      if (!finished) {
        attemptSignal.controller.abort(new Error('The model stream was closed.'))
        iterator?.return?.().catch(() => {})
      }
    }
  }
}

/** Runs one non-streamed call with the retry budget and the request timeout. */
export async function callWithRetries<T = ModelResponse>(
  settings: CallSettings,
  signal: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const attemptSignal = linkedController(signal)
    try {
      signal?.throwIfAborted()
      return await within(
        settings.provider,
        call(attemptSignal.controller.signal),
        settings.timeoutMs,
        attemptSignal.controller,
        true,
      )
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      const failure = settings.classify(error)
      if (failure.error.isRetryable && attempt <= settings.retry.maxRetries) {
        await sleep(retryDelay(settings.retry, attempt, failure.retryAfterMs), signal)
        continue
      }
      throw withAttempts(failure.error, attempt)
    } finally {
      attemptSignal.dispose()
    }
  }
}

/** The connection ended or went silent after parts were streamed: retryable as a whole call. */
function cutError(error: ModelError): ModelError {
  return new ModelError({
    provider: error.provider,
    isRetryable: true,
    statusCode: error.statusCode,
    code: error.code,
    type: error.type,
    requestId: error.requestId,
    retryAfterMs: error.retryAfterMs,
    message: `${error.message} The stream was cut after parts of the answer were streamed, so the partial answer was discarded and its tool calls were not executed; the call may be retried as a whole.`,
    cause: error,
  })
}

function withAttempts(error: ModelError, attempts: number): ModelError {
  if (attempts === 1) return error
  return new ModelError({
    provider: error.provider,
    isRetryable: error.isRetryable,
    statusCode: error.statusCode,
    code: error.code,
    type: error.type,
    requestId: error.requestId,
    retryAfterMs: error.retryAfterMs,
    message: `${error.message} (gave up after ${attempts} attempts)`,
    cause: error,
  })
}

function linkedController(parent: AbortSignal | undefined): {
  controller: AbortController
  dispose: () => void
} {
  const controller = new AbortController()
  if (parent === undefined) return { controller, dispose() {} }
  const onAbort = () => controller.abort(parent.reason)
  if (parent.aborted) controller.abort(parent.reason)
  else parent.addEventListener('abort', onAbort, { once: true })
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) }
}

function nextWithin<T>(
  provider: string,
  iterator: AsyncIterator<T>,
  timeoutMs: number,
  controller: AbortController,
  first: boolean,
): Promise<IteratorResult<T>> {
  return within(provider, iterator.next(), timeoutMs, controller, first)
}

/** Waits for `promise`, failing on the timeout (aborting the request) or on the attempt's abort. */
function within<T>(
  provider: string,
  promise: Promise<T>,
  timeoutMs: number,
  controller: AbortController,
  first: boolean,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const signal = controller.signal
    const onAbort = () => finish(() => reject(signal.reason))
    const timer = setTimeout(() => {
      const error = new ModelError({
        provider,
        code: first ? 'timeout' : 'idle_timeout',
        isRetryable: true,
        message: first
          ? `The ${provider} request got no answer within timeoutMs = ${timeoutMs} ms. Raise the timeout option or check the network path to the provider.`
          : `The ${provider} stream sent nothing for idleTimeoutMs = ${timeoutMs} ms and was abandoned. Raise idleTimeoutMs for models that pause long (reasoning).`,
      })
      finish(() => reject(error))
      controller.abort(error)
    }, timeoutMs)
    let settled = false
    function finish(action: () => void) {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      action()
    }
    // Handlers first: a promise that rejects after the abort must never go unhandled.
    promise.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    )
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
