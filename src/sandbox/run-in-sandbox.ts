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
// The guest's own deadline starts when the worker receives the job, a little after the host's: it
// normally reports first, with the precise failure (timeout, memory...). A quarter of the deadline
// (at least 50 ms) later, the host answers the caller by itself.
const graceOf = (timeoutMs: number) => Math.max(50, timeoutMs / 4)
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
    // The caller is answered once (`settle`); the worker is freed once (`free`), when it is done
    // with the job or terminated. At the host's deadline the caller gets its timeout at once,
    // while the worker goes back to the pool only after it reports the job finished.
    let settled = false
    let freed = false
    const settle = (error: unknown, result?: SandboxResult) => {
      if (settled) return
      settled = true
      clearTimeout(deadlineTimer)
      signal?.removeEventListener('abort', onAbort)
      if (result !== undefined) resolve(result)
      else reject(error)
    }
    const free = (retireWorker: boolean) => {
      if (freed) return
      freed = true
      clearTimeout(watchdog)
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
      if (retireWorker) void retire(entry)
      else releaseWorker(entry)
    }
    const fail = (error: unknown) => {
      settle(error)
      free(true)
    }
    const onMessage = (message: WorkerToHostMessage) => {
      if (message.type === 'call' && message.jobId === jobId) {
        hostCalls.push(message)
      } else if (message.type === 'started' && message.jobId === jobId) {
        startDeadline()
      } else if (message.type === 'done' && message.jobId === jobId) {
        const { outcome } = message
        if (outcome.ok) {
          settle(undefined, {
            value: outcome.value as JsonValue | undefined,
            console: outcome.console,
            consoleTruncated: outcome.consoleTruncated,
            durationMs: outcome.durationMs,
          })
        } else {
          settle(sandboxError(outcome.kind, `Sandbox: ${outcome.message}.`))
        }
        free(message.retire)
      }
    }
    const onError = () => fail(sandboxError('runtime', 'Sandbox: the worker failed unexpectedly.'))
    const onExit = () => fail(sandboxError('runtime', 'Sandbox: the worker exited unexpectedly.'))
    const onAbort = () => fail(signal?.reason)
    // The host keeps its own copy of the deadline, from when the worker starts the job (so both
    // sides give the code the same time): after it, granted functions are neither run nor answered
    // (a function's own time counts against it), and the caller gets its timeout even if the
    // worker is slow to report (a loaded machine, replies it is still waiting for).
    let hostDeadline = Number.POSITIVE_INFINITY
    let deadlineTimer: NodeJS.Timeout | undefined
    const startDeadline = () => {
      hostDeadline = performance.now() + limits.timeoutMs
      deadlineTimer = setTimeout(
        () =>
          settle(
            sandboxError(
              'timeout',
              `Sandbox: the code did not finish within its deadline of ${limits.timeoutMs} ms.`,
            ),
          ),
        limits.timeoutMs + graceOf(limits.timeoutMs),
      )
    }
    // Some QuickJS built-ins never reach the interrupt handler: the watchdog terminates the worker.
    const watchdog = setTimeout(
      () =>
        fail(
          sandboxError(
            'timeout',
            `Sandbox: the code did not stop at its deadline of ${limits.timeoutMs} ms and was terminated.`,
          ),
        ),
      limits.timeoutMs * 2,
    )
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
