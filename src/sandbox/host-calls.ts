/**
 * The host side of granted host functions: calls from the guest are queued and run one per turn
 * of the host's event loop, never after the call's deadline, and answered only before it. A guest
 * that fires 100 calls at a slow synchronous function at once therefore blocks the host for one
 * call at a time (timers, I/O and the watchdog run in between), and the calls still queued at the
 * deadline are dropped instead of running for seconds after it.
 *
 * @module
 */
import { errorMessage } from '../errors/describe-error.js'
import type { JsonValue } from '../util/json.js'
import { parseGuardedJson } from './json-guard.js'
import type { SandboxFunction } from './sandbox-options.js'
import type { HostToWorkerMessage, WorkerToHostMessage } from './sandbox-protocol.js'
import type { SandboxWorker } from './worker-pool.js'

type CallMessage = Extract<WorkerToHostMessage, { type: 'call' }>

const MAX_ARGUMENT_DEPTH = 64
const ABSOLUTE_PATH = /(?:file:\/\/)?(?:[A-Za-z]:)?(?:[/\\][\w.@%+~-]+){2,}/g

/** The host-call queue of one sandbox call. */
export interface HostCallQueue {
  /** Queues a call from the guest; it runs in a later turn of the event loop, if still in time. */
  push(call: CallMessage): void
}

/**
 * Creates the queue of one sandbox call. `expired` says the call is over (settled, cancelled or
 * past its deadline): from then on nothing queued runs and nothing is answered.
 */
export function createHostCallQueue(options: {
  entry: SandboxWorker
  functions: Record<string, SandboxFunction>
  maxBytes: number
  expired: () => boolean
}): HostCallQueue {
  const queue: CallMessage[] = []
  let scheduled = false
  const runNext = () => {
    const call = queue.shift()
    if (call === undefined || options.expired()) {
      queue.length = 0
      scheduled = false
      return
    }
    void answerCall(call, options)
    // The next call waits for the next turn, so a synchronous function cannot hold the loop for all.
    setImmediate(runNext)
  }
  return {
    push(call) {
      if (options.expired()) return
      queue.push(call)
      if (!scheduled) {
        scheduled = true
        setImmediate(runNext)
      }
    },
  }
}

/** Runs a granted host function for the guest; its answer (or error message) goes back as JSON. */
async function answerCall(
  call: CallMessage,
  options: {
    entry: SandboxWorker
    functions: Record<string, SandboxFunction>
    maxBytes: number
    expired: () => boolean
  },
): Promise<void> {
  const { entry, functions, maxBytes } = options
  const reply = (message: HostToWorkerMessage) => {
    // After the deadline (or cancellation) the guest gets no more answers.
    if (!options.expired() && !entry.retired) entry.worker.postMessage(message)
  }
  const fail = (message: string) =>
    reply({ type: 'reply', jobId: call.jobId, callId: call.callId, ok: false, message })
  const fn = Object.hasOwn(functions, call.name) ? functions[call.name] : undefined
  if (fn === undefined) return fail(`${call.name} is not a granted host function`)
  if (call.argsText.length > maxBytes) return fail(`the arguments of ${call.name}() are too large`)
  const parsed = parseGuardedJson(call.argsText, MAX_ARGUMENT_DEPTH)
  if (!parsed.ok || !Array.isArray(parsed.value)) {
    return fail(`the arguments of ${call.name}() were rejected: ${parsed.ok ? 'not a list' : parsed.message}`)
  }
  let value: unknown
  try {
    value = await fn(...(parsed.value as JsonValue[]))
  } catch (error) {
    // The message is the caller's text; never let a host path or stack slip into the guest.
    const message = errorMessage(error)
    return fail(
      `${call.name}() failed: ${message.split('\n')[0]?.replace(ABSOLUTE_PATH, '<path>').slice(0, 500)}`,
    )
  }
  if (value === undefined) {
    return reply({ type: 'reply', jobId: call.jobId, callId: call.callId, ok: true, value: undefined })
  }
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch {
    text = undefined
  }
  if (text === undefined) return fail(`${call.name}() returned a value that is not JSON`)
  if (Buffer.byteLength(text) > maxBytes) {
    return fail(`${call.name}() returned more than ${maxBytes} bytes of JSON`)
  }
  reply({ type: 'reply', jobId: call.jobId, callId: call.callId, ok: true, value: text })
}
