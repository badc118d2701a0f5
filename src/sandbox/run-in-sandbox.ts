import { ConfigError, SandboxError } from '../errors/errors.js'
import type { JsonValue } from '../util/json.js'
import { createHostCallQueue } from './host-calls.js'
import { checkFunctions, resolveLimits, type SandboxOptions, serializeInput } from './sandbox-options.js'
import type { HostToWorkerMessage, SandboxConsoleEntry, WorkerToHostMessage } from './sandbox-protocol.js'
import { acquireWorker, releaseWorker, retire } from './worker-pool.js'

/** What a sandbox call produced, with what the code wrote to its console. */
export interface SandboxResult<TValue = JsonValue | undefined> {
  /** The JSON value the code returned or assigned to `result`; `undefined` if it produced none. */
  value: TValue
  console: SandboxConsoleEntry[]
  /** True when console output was dropped at `maxConsoleBytes`. */
  consoleTruncated: boolean
  /** Time spent running the code in the worker. */
  durationMs: number
}

const MAX_CODE_CHARS = 1024 * 1024
let nextJobId = 0

/**
 * Runs JavaScript in a QuickJS sandbox and resolves with its JSON result. The code sees `input`,
 * may `return` a value or assign `result`, may `await` granted host functions, and nothing else of
 * the host. Rejects with `SandboxError` (`kind`: timeout, memory, syntax, runtime, output).
 *
 * @example
 * const total = await runInSandbox('result = input.items.reduce((a, b) => a + b, 0)', {
 *   input: { items: [1, 2, 3] }, timeoutMs: 200,
 * })
 */
export async function runInSandbox(
  code: string,
  options: SandboxOptions = {},
): Promise<JsonValue | undefined> {
  return (await executeInSandbox(code, options)).value
}

/** Like {@link runInSandbox}, but resolves with the console output and timing as well. */
export async function executeInSandbox(code: string, options: SandboxOptions = {}): Promise<SandboxResult> {
  if (typeof code !== 'string') {
    throw new ConfigError({ message: `runInSandbox: code must be a string; got ${typeof code}.` })
  }
  if (code.length > MAX_CODE_CHARS) {
    throw new ConfigError({ message: `runInSandbox: code is longer than ${MAX_CODE_CHARS} characters.` })
  }
  const limits = resolveLimits(options ?? {})
  const functionNames = checkFunctions(options.functions)
  const inputText = serializeInput(options.input, limits.maxOutputBytes)
  const signal = options.signal
  signal?.throwIfAborted()

  const entry = await acquireWorker(signal)
  if (signal?.aborted) {
    releaseWorker(entry)
    throw signal.reason
  }
  const jobId = ++nextJobId
  return new Promise<SandboxResult>((resolve, reject) => {
    const { worker } = entry
    let settled = false
    const finish = (error: unknown, result?: SandboxResult, retireWorker = false) => {
      if (settled) return
      settled = true
      clearTimeout(watchdog)
      signal?.removeEventListener('abort', onAbort)
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
      if (retireWorker) void retire(entry)
      else releaseWorker(entry)
      if (result !== undefined) resolve(result)
      else reject(error)
    }
    const onMessage = (message: WorkerToHostMessage) => {
      if (message.type === 'call' && message.jobId === jobId) {
        hostCalls.push(message)
      } else if (message.type === 'done' && message.jobId === jobId) {
        const { outcome } = message
        if (outcome.ok) {
          finish(
            undefined,
            {
              value: outcome.value as JsonValue | undefined,
              console: outcome.console,
              consoleTruncated: outcome.consoleTruncated,
              durationMs: outcome.durationMs,
            },
            message.retire,
          )
        } else {
          finish(sandboxError(outcome.kind, `Sandbox: ${outcome.message}.`), undefined, message.retire)
        }
      }
    }
    const onError = () =>
      finish(sandboxError('runtime', 'Sandbox: the worker failed unexpectedly.'), undefined, true)
    const onExit = () =>
      finish(sandboxError('runtime', 'Sandbox: the worker exited unexpectedly.'), undefined, true)
    const onAbort = () => finish(signal?.reason, undefined, true)
    // Some QuickJS built-ins never reach the interrupt handler: the watchdog ends them.
    const watchdog = setTimeout(
      () =>
        finish(
          sandboxError(
            'timeout',
            `Sandbox: the code did not stop at its deadline of ${limits.timeoutMs} ms and was terminated.`,
          ),
          undefined,
          true,
        ),
      limits.timeoutMs * 2,
    )
    // The host keeps its own copy of the deadline: after it, granted functions are neither run nor
    // answered, and a function's own time counts against it.
    const hostDeadline = performance.now() + limits.timeoutMs
    const hostCalls = createHostCallQueue({
      entry,
      functions: options.functions ?? {},
      maxBytes: limits.maxHostCallBytes,
      expired: () => settled || performance.now() >= hostDeadline,
    })
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
    signal?.addEventListener('abort', onAbort, { once: true })
    const job: HostToWorkerMessage = { type: 'run', jobId, code, inputText, limits, functionNames }
    worker.postMessage(job)
  })
}

/**
 * A `SandboxError` about the guest. Its stack is reduced to the message: the frames would only
 * show this module's message handler, and nothing host-side should travel with a guest's failure.
 */
function sandboxError(kind: SandboxError['kind'], message: string): SandboxError {
  const error = new SandboxError({ kind, message })
  error.stack = `${error.name}: ${message}`
  return error
}
