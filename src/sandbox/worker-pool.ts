/**
 * The sandbox workers: spawned on demand, reused across calls (each call still gets a fresh QuickJS
 * runtime and context), kept unreferenced while idle so they never hold the process open, and
 * closed after a while without work. A worker that was terminated or whose QuickJS module may be
 * damaged is never reused.
 *
 * @module
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { ConfigError, SandboxError } from '../errors/errors.js'
import type { WorkerToHostMessage } from './sandbox-protocol.js'

/** A live worker with QuickJS loaded. */
export interface SandboxWorker {
  readonly worker: Worker
  /** Set once the worker was terminated or retired. */
  retired: boolean
}

const IDLE_TIMEOUT_MS = 30_000
// QuickJS checks its own stack limit, but some of its C code recurses deeply on the worker's native
// stack (JSON.stringify of nested values): give it room so QuickJS's check fires first.
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 128, stackSizeMb: 16 }
// The worker does not inherit the host's Node flags (loaders, --import hooks): it needs none.
const EXEC_ARGV: string[] = []

const idle: { entry: SandboxWorker; timer: NodeJS.Timeout }[] = []
/** Calls waiting for a worker; `resolve` hands a worker back to the pool if the call gave up meanwhile. */
const waiting: { resolve: (entry: SandboxWorker) => void; reject: (error: unknown) => void }[] = []
let live = 0
let maxWorkers = Math.max(1, availableParallelism())

/** Sets how many sandbox workers may run at once (default: the number of CPUs). */
export function setMaxSandboxWorkers(count: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new ConfigError({
      message: `setMaxSandboxWorkers: count must be a positive integer; got ${count}.`,
    })
  }
  maxWorkers = count
}

/** How the worker file is found: the compiled `.js` next to this module, or the `.ts` source under tsx. */
function spawn(): Worker {
  const here = import.meta.url
  if (here.endsWith('.ts')) {
    // Running from source (tests, tsx): load the TypeScript worker through tsx's loader. The string
    // is this module's own constant code, never model output.
    const url = new URL('./sandbox-worker.ts', here).href
    return new Worker(
      `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(url)}) })`,
      { eval: true, resourceLimits: RESOURCE_LIMITS, execArgv: EXEC_ARGV },
    )
  }
  return new Worker(new URL('./sandbox-worker.js', here), {
    resourceLimits: RESOURCE_LIMITS,
    execArgv: EXEC_ARGV,
  })
}

/** Starts a worker and resolves once QuickJS is loaded in it. */
function start(): Promise<SandboxWorker> {
  live++
  return new Promise((resolve, reject) => {
    const worker = spawn()
    const entry: SandboxWorker = { worker, retired: false }
    const fail = (error: unknown) => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
      void retire(entry)
      reject(error)
    }
    const onMessage = (message: WorkerToHostMessage) => {
      if (message.type === 'ready') {
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
        // A worker that dies while idle (or busy) is never handed out again.
        worker.once('exit', () => void retire(entry))
        resolve(entry)
      } else if (message.type === 'fatal') {
        fail(new ConfigError({ message: message.message }))
      }
    }
    const onError = (error: Error) =>
      fail(
        new SandboxError({ kind: 'runtime', message: 'The sandbox worker failed to start.', cause: error }),
      )
    const onExit = () =>
      fail(new SandboxError({ kind: 'runtime', message: 'The sandbox worker exited while starting.' }))
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
  })
}

/**
 * A worker for one call: an idle one, a new one, or the next one released when all are busy. A
 * call waiting for a busy worker rejects with the signal's reason as soon as its signal aborts.
 */
export function acquireWorker(signal?: AbortSignal): Promise<SandboxWorker> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  const ready = idle.pop()
  if (ready !== undefined) {
    clearTimeout(ready.timer)
    ready.entry.worker.ref()
    return Promise.resolve(ready.entry)
  }
  if (live < maxWorkers) return start()
  return new Promise((resolve, reject) => {
    let gaveUp = false
    const waiter = {
      resolve(entry: SandboxWorker) {
        signal?.removeEventListener('abort', onAbort)
        // A worker started for a call that was aborted meanwhile goes to the next call instead.
        if (gaveUp) releaseWorker(entry)
        else resolve(entry)
      },
      reject(error: unknown) {
        signal?.removeEventListener('abort', onAbort)
        if (!gaveUp) reject(error)
      },
    }
    const onAbort = () => {
      gaveUp = true
      const index = waiting.indexOf(waiter)
      if (index >= 0) waiting.splice(index, 1)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    waiting.push(waiter)
  })
}

/** Gives a worker back after a call that ended normally. */
export function releaseWorker(entry: SandboxWorker): void {
  if (entry.retired) return
  const next = waiting.shift()
  if (next !== undefined) {
    next.resolve(entry)
    return
  }
  entry.worker.unref()
  const timer = setTimeout(() => void retire(entry), IDLE_TIMEOUT_MS)
  timer.unref()
  idle.push({ entry, timer })
}

/** Terminates a worker that must not be reused; a waiting call gets a new worker instead. */
export function retire(entry: SandboxWorker): Promise<unknown> {
  if (entry.retired) return Promise.resolve()
  entry.retired = true
  live--
  const index = idle.findIndex((item) => item.entry === entry)
  if (index >= 0) clearTimeout(idle.splice(index, 1)[0]?.timer)
  const terminated = entry.worker.terminate()
  const next = waiting.shift()
  if (next !== undefined) start().then(next.resolve, next.reject)
  return terminated
}

/** Terminates the idle workers (busy ones finish their call first); for shutdown and benchmarks. */
export async function closeSandboxWorkers(): Promise<void> {
  const entries = idle.splice(0)
  await Promise.all(
    entries.map(({ entry, timer }) => {
      clearTimeout(timer)
      return retire(entry)
    }),
  )
}
