/**
 * The entry of a worker-tool thread: imports the tool's module, calls its exported function with
 * the validated arguments, and posts back the value or the error (name and message only). One call
 * at a time; the host terminates the thread to stop a call.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads'
import { describeError } from '../errors/describe-error.js'
import type { ToolWorkerReply, ToolWorkerRequest } from './tool-worker-pool.js'

const port = parentPort
if (port === null) throw new Error('tool-worker.js must run in a worker thread')

port.on('message', async (request: ToolWorkerRequest) => {
  let reply: ToolWorkerReply
  try {
    // The tool author's own module (a path given in code), never model output.
    const module = (await import(request.module)) as Record<string, unknown>
    const body = module[request.exportName]
    if (typeof body !== 'function') {
      throw new Error(
        `the module ${request.module} has no exported function "${request.exportName}" (set export to its name)`,
      )
    }
    const value = await body(request.args, request.info)
    reply = { ok: true, value }
    try {
      port.postMessage(reply)
      return
    } catch (error) {
      throw new Error(
        `the tool returned a value that cannot leave the worker (${describeError(error).message}); return plain data`,
      )
    }
  } catch (error) {
    reply = { ok: false, ...describeError(error) }
  }
  port.postMessage(reply)
})
