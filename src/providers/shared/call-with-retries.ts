/**
 * One model call with one retry budget: every attempt (the first one included) is counted here and
 * the SDKs' own retries are switched off, so `maxRetries: 2` means at most 3 requests, whatever
 * fails. Also the request timeout (until the first streamed part, or the whole non-streamed call)
 * and the idle timeout between streamed parts.
 *
 * A stream is retried only while nothing has reached the caller. A stream cut after parts were
 * yielded ends with a retryable `ModelError` and never with a `finish` part: the runtime then fails
 * the model call (it never uses a partial answer or executes its tool calls).
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
  /** Turns anything the SDK threw into a `ModelError` (plus the server's Retry-After). */
  classify(error: unknown): ClassifiedFailure
}

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
  open: (signal: AbortSignal) => AsyncIterable<ModelStreamPart>,
): AsyncGenerator<ModelStreamPart, void, undefined> {
  for (let attempt = 1; ; attempt++) {
    const attemptSignal = linkedController(signal)
    let yielded = false
    let finished = false
    let held: ModelStreamPart | undefined
    let iterator: AsyncIterator<ModelStreamPart> | undefined
    try {
      signal?.throwIfAborted()
      iterator = open(attemptSignal.controller.signal)[Symbol.asyncIterator]()
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
      const failure = settings.classify(error)
      if (!yielded && failure.error.isRetryable && attempt <= settings.retry.maxRetries) {
        await sleep(retryDelay(settings.retry, attempt, failure.retryAfterMs), signal)
        continue
      }
      throw yielded ? cutError(settings.provider, failure.error) : withAttempts(failure.error, attempt)
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

function cutError(provider: string, error: ModelError): ModelError {
  return new ModelError({
    provider,
    isRetryable: true,
    ...(error.statusCode === undefined ? {} : { statusCode: error.statusCode }),
    code: error.code ?? 'stream_cut',
    message: `${error.message} The stream was cut after parts of the answer were streamed, so the partial answer was discarded and its tool calls were not executed; the call may be retried as a whole.`,
    cause: error,
  })
}

function withAttempts(error: ModelError, attempts: number): ModelError {
  if (attempts === 1) return error
  return new ModelError({
    provider: error.provider,
    isRetryable: error.isRetryable,
    ...(error.statusCode === undefined ? {} : { statusCode: error.statusCode }),
    ...(error.code === undefined ? {} : { code: error.code }),
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
