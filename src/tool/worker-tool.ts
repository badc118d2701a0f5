/**
 * Tools whose body runs in a worker thread. A tool's `execute` normally runs on the main thread:
 * a synchronous body that computes for two seconds (parsing, hashing, a tight loop) blocks the
 * event loop, and with it every run, stream and timer of the process, and no `timeoutMs` can stop
 * it. `workerTool` runs the body, an exported function of an ES module, in a worker thread
 * instead: the process keeps serving while it computes, its timeout terminates the worker, the
 * run's cancellation does too, and its errors come back as the tool's error result.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ResourceLimits } from 'node:worker_threads'
import { ConfigError } from '../errors/errors.js'
import type { InferSchema, SchemaInput } from './schema.js'
import { type Tool, type ToolContext, tool } from './tool.js'
import { createToolWorkerPool, type ToolWorkerReply } from './tool-worker-pool.js'

/** The definition `workerTool()` takes. */
export interface WorkerToolDefinition<TParameters extends SchemaInput> {
  /** 1-64 characters: letters, digits, `_` and `-`. */
  name: string
  /** What the tool does and when to use it; the model reads this. */
  description: string
  /** A zod object, a JSON Schema object, or a list of parameters, as for `tool()`. */
  parameters: TParameters
  /**
   * The ES module holding the body: an absolute path, a `file:` URL string or a `URL`, e.g.
   * `new URL('./hash-tool.js', import.meta.url)`. It is imported inside the worker.
   */
  module: string | URL
  /**
   * The exported function to call (default `'default'`): `(args, info) => result`, sync or async.
   * `info` is `{ runId, callId, turn, idempotencyKey }`; the result must be structured-cloneable
   * (plain data). The run context is not passed: it may hold handles a worker cannot receive.
   */
  export?: string
  /** The worker is terminated and the call fails after this many milliseconds (default 30,000). */
  timeoutMs?: number
  /** V8 limits of each worker (heap size...), as for `new Worker`. */
  resourceLimits?: ResourceLimits
  /** Workers this tool may run at once (default 2); further calls wait for one. */
  maxWorkers?: number
  /** As for `tool()`. */
  strict?: boolean
  idempotent?: boolean
  needsApproval?: boolean
  onError?: 'send-to-model' | 'fail-run'
}

/** What the worker's function receives besides its arguments. */
export interface WorkerToolInfo {
  runId: string
  callId: string
  turn: number
  idempotencyKey: string
}

const DEFAULT_TIMEOUT_MS = 30_000

/**
 * Defines a tool whose body runs in a worker thread, so a blocking body never stalls the other
 * runs of the process. Arguments are validated on the main thread, then copied to the worker.
 *
 * @example
 * // hash-tool.ts: export default function ({ text }: { text: string }) { return slowHash(text) }
 * const hash = workerTool({
 *   name: 'hash', description: 'Hash a text',
 *   parameters: z.object({ text: z.string() }),
 *   module: new URL('./hash-tool.js', import.meta.url),
 *   timeoutMs: 5_000,
 * })
 */
export function workerTool<const TParameters extends SchemaInput>(
  definition: WorkerToolDefinition<TParameters>,
): Tool<InferSchema<TParameters>, unknown> {
  const label = `workerTool ${JSON.stringify(definition?.name)}`
  const moduleUrl = checkModule(definition?.module, label)
  const exportName = definition.export ?? 'default'
  if (typeof exportName !== 'string' || exportName === '') {
    throw new ConfigError({ message: `${label}: export must be the name of an exported function.` })
  }
  const timeoutMs = definition.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxWorkers = definition.maxWorkers ?? 2
  if (!Number.isInteger(maxWorkers) || maxWorkers < 1) {
    throw new ConfigError({
      message: `${label}: maxWorkers must be a whole number of at least 1; got ${String(maxWorkers)}.`,
    })
  }
  const pool = createToolWorkerPool({ maxWorkers, resourceLimits: definition.resourceLimits })

  const execute = async (args: unknown, context: ToolContext<unknown>): Promise<unknown> => {
    const info: WorkerToolInfo = {
      runId: context.runId,
      callId: context.callId,
      turn: context.turn,
      idempotencyKey: context.idempotencyKey,
    }
    const reply: ToolWorkerReply = await pool.call(
      { module: moduleUrl, exportName, args, info },
      context.signal,
    )
    if (reply.ok) return reply.value
    throw Object.assign(new Error(reply.message), { name: reply.name })
  }

  const base = {
    name: definition.name,
    description: definition.description,
    parameters: definition.parameters,
    execute,
    timeoutMs,
  }
  return tool({
    ...base,
    ...(definition.strict === undefined ? {} : { strict: definition.strict }),
    ...(definition.idempotent === undefined ? {} : { idempotent: definition.idempotent }),
    ...(definition.needsApproval === undefined ? {} : { needsApproval: definition.needsApproval }),
    ...(definition.onError === undefined ? {} : { onError: definition.onError }),
  }) as Tool<InferSchema<TParameters>, unknown>
}

/** The module as a `file:` URL string; a relative path, another scheme or a missing file throws. */
function checkModule(module: unknown, label: string): string {
  let url: URL
  if (module instanceof URL) url = module
  else if (typeof module === 'string' && module.startsWith('file:')) url = new URL(module)
  else if (typeof module === 'string' && /^(?:\/|[A-Za-z]:[\\/])/.test(module)) url = pathToFileURL(module)
  else {
    throw new ConfigError({
      message: `${label}: module must be an absolute path or a file: URL of an ES module, such as new URL('./my-tool.js', import.meta.url); got ${JSON.stringify(module)}.`,
    })
  }
  if (url.protocol !== 'file:') {
    throw new ConfigError({ message: `${label}: module must be a file: URL; got ${url.href}.` })
  }
  if (!existsSync(fileURLToPath(url))) {
    throw new ConfigError({
      message: `${label}: module ${fileURLToPath(url)} does not exist. Point it at the built .js file (new URL('./my-tool.js', import.meta.url)).`,
    })
  }
  return url.href
}
