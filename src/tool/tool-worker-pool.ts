/**
 * The worker threads of one worker tool: spawned on demand up to `maxWorkers`, reused across
 * calls, unreferenced while idle (they never keep the process alive) and closed after 30 s without
 * work. A call that times out or is cancelled terminates its worker, which is never reused.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type ResourceLimits, Worker } from 'node:worker_threads'
import { errorMessage } from '../errors/describe-error.js'

/** Host -> worker: call the tool's function. */
export interface ToolWorkerRequest {
  /** The module's `file:` URL. */
  module: string
  exportName: string
  args: unknown
  info: { runId: string; callId: string; turn: number; idempotencyKey: string }
}

/** Worker -> host: the value, or the error's name and message. */
export type ToolWorkerReply = { ok: true; value: unknown } | { ok: false; name: string; message: string }

/** The pool of one worker tool. */
export interface ToolWorkerPool {
  /** Runs one call; rejects with the signal's reason (terminating the worker) when it aborts. */
  call(request: ToolWorkerRequest, signal: AbortSignal): Promise<ToolWorkerReply>
}

const IDLE_TIMEOUT_MS = 30_000
// The worker does not inherit the host's Node flags (loaders, --import hooks) unless it needs them.
const EXEC_ARGV: string[] = []

/** The worker entry: the compiled `.js` next to this module, or the `.ts` source under tsx. */
function spawn(resourceLimits: ResourceLimits | undefined): Worker {
  const here = import.meta.url
  const options = resourceLimits === undefined ? {} : { resourceLimits }
  if (here.endsWith('.ts')) {
    // Running from source (tests, tsx): load the TypeScript entry through tsx's loader. The string
    // is this module's own constant code.
    const url = new URL('./tool-worker.ts', here).href
    return new Worker(
      `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(url)}) })`,
      { eval: true, execArgv: EXEC_ARGV, ...options },
    )
  }
  return new Worker(builtEntry(here), { execArgv: EXEC_ARGV, ...options })
}

/**
 * `dist/tool/tool-worker.js`, seen from this code's place in the build: next to it (unbundled), the
 * root bundle `dist/index.js`, or a shared chunk in `dist/chunks/`.
 */
function builtEntry(here: string): URL {
  const candidates = ['./tool-worker.js', './tool/tool-worker.js', '../tool/tool-worker.js'].map(
    (path) => new URL(path, here),
  )
  return candidates.find((url) => existsSync(fileURLToPath(url))) ?? (candidates[0] as URL)
}

/** Creates the pool of one worker tool. */
export function createToolWorkerPool(options: {
  maxWorkers: number
  resourceLimits: ResourceLimits | undefined
}): ToolWorkerPool {
  const idle: { worker: Worker; timer: NodeJS.Timeout }[] = []
  const waiting: (() => void)[] = []
  let live = 0

  const release = (worker: Worker) => {
    worker.unref()
    const timer = setTimeout(() => {
      const index = idle.findIndex((entry) => entry.worker === worker)
      if (index >= 0) idle.splice(index, 1)
      live--
      void worker.terminate()
    }, IDLE_TIMEOUT_MS)
    timer.unref()
    idle.push({ worker, timer })
    waiting.shift()?.()
  }
  const discard = (worker: Worker) => {
    live--
    void worker.terminate()
    waiting.shift()?.()
  }

  const acquire = async (signal: AbortSignal): Promise<Worker> => {
    for (;;) {
      signal.throwIfAborted()
      const ready = idle.pop()
      if (ready !== undefined) {
        clearTimeout(ready.timer)
        ready.worker.ref()
        return ready.worker
      }
      if (live < options.maxWorkers) {
        live++
        return spawn(options.resourceLimits)
      }
      // All workers are busy: wait for one, or for the signal.
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const index = waiting.indexOf(wake)
          if (index >= 0) waiting.splice(index, 1)
          reject(signal.reason)
        }
        const wake = () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
        signal.addEventListener('abort', onAbort, { once: true })
        waiting.push(wake)
      })
    }
  }

  return {
    async call(request, signal) {
      const worker = await acquire(signal)
      return new Promise<ToolWorkerReply>((resolve, reject) => {
        const cleanup = () => {
          worker.off('message', onMessage)
          worker.off('error', onError)
          worker.off('exit', onExit)
          signal.removeEventListener('abort', onAbort)
        }
        const onMessage = (reply: ToolWorkerReply) => {
          cleanup()
          release(worker)
          resolve(reply)
        }
        const onError = (error: unknown) => {
          cleanup()
          discard(worker)
          resolve({ ok: false, name: 'Error', message: `the worker thread failed: ${errorMessage(error)}` })
        }
        const onExit = (code: number) => {
          cleanup()
          live--
          waiting.shift()?.()
          resolve({ ok: false, name: 'Error', message: `the worker thread exited with code ${code}` })
        }
        // Timeout or cancellation: a blocked body cannot be interrupted, only its thread ended.
        const onAbort = () => {
          cleanup()
          discard(worker)
          reject(signal.reason)
        }
        worker.on('message', onMessage)
        worker.on('error', onError)
        worker.on('exit', onExit)
        if (signal.aborted) {
          onAbort()
          return
        }
        signal.addEventListener('abort', onAbort, { once: true })
        try {
          worker.postMessage(request)
        } catch (error) {
          cleanup()
          release(worker)
          resolve({
            ok: false,
            name: 'Error',
            message: `the arguments cannot be sent to the worker: ${errorMessage(error)}`,
          })
        }
      })
    },
  }
}
