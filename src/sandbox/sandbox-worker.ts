/**
 * The entry of a sandbox worker thread. It loads QuickJS once, then runs one job at a time, each
 * in a fresh runtime and context (see `guest-run.ts`). Host-function calls go to the host thread
 * as messages; the host answers them with `reply` messages.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads'
import type { QuickJSWASMModule } from 'quickjs-emscripten'
import { type HostCaller, runGuest } from './guest-run.js'
import type { HostToWorkerMessage, WorkerToHostMessage } from './sandbox-protocol.js'

const port = parentPort
if (port === null) throw new Error('sandbox-worker.js must run in a worker thread')
const send = (message: WorkerToHostMessage) => port.postMessage(message)

type Reply = Awaited<ReturnType<HostCaller>>
const pendingReplies = new Map<number, (reply: Reply) => void>()
let nextCallId = 0

async function loadQuickJS(): Promise<QuickJSWASMModule | undefined> {
  let module: typeof import('quickjs-emscripten')
  try {
    module = await import('quickjs-emscripten')
  } catch {
    send({
      type: 'fatal',
      reason: 'missing-peer',
      message:
        'agentloop/sandbox needs the optional peer dependency quickjs-emscripten: run `npm install quickjs-emscripten`.',
    })
    return undefined
  }
  try {
    // QuickJS reports its own aborts on stderr; the host already learns of them (the worker retires).
    // (`printErr` is an Emscripten module option the loader passes through but does not declare.)
    const emscriptenModule = { printErr: () => {} } as NonNullable<
      Parameters<typeof module.newVariant>[1]['emscriptenModule']
    >
    const variant = module.newVariant(module.RELEASE_SYNC, { emscriptenModule })
    return await module.newQuickJSWASMModule(variant)
  } catch (error) {
    send({
      type: 'fatal',
      reason: 'load-failed',
      message: `quickjs-emscripten failed to load its WebAssembly module: ${error instanceof Error ? error.message : String(error)}`,
    })
    return undefined
  }
}

const quickjs = await loadQuickJS()
if (quickjs !== undefined) {
  port.on('message', (message: HostToWorkerMessage) => {
    if (message.type === 'reply') {
      const resolve = pendingReplies.get(message.callId)
      pendingReplies.delete(message.callId)
      resolve?.(message.ok ? { ok: true, value: message.value } : { ok: false, message: message.message })
      return
    }
    const jobId = message.jobId
    const callHost: HostCaller = (name, argsText) =>
      new Promise((resolve) => {
        const callId = ++nextCallId
        pendingReplies.set(callId, resolve)
        send({ type: 'call', jobId, callId, name, argsText })
      })
    send({ type: 'started', jobId })
    void runGuest(quickjs, message, callHost).then(({ outcome, retire }) => {
      // Replies that never came (the host stops answering at the deadline) are dropped with the job.
      pendingReplies.clear()
      send({ type: 'done', jobId, outcome, retire })
    })
  })
  send({ type: 'ready' })
}
