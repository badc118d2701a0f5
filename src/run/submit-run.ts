/**
 * `runtime.submit`'s first half: the submission checked (a registered runnable, known options, a
 * context only where it can travel), then its run stored as `queued` with the input as messages.
 * The runner then hands it to the queue.
 *
 * @module
 */
import { ConfigError } from '../errors/errors.js'
import type { Message } from '../messages/message.js'
import { requireJson } from '../storage/repositories/shared.js'
import type { RunCheckpoint } from '../storage/run-repository.js'
import type { Storage } from '../storage/storage.js'
import { StorageConflictError } from '../storage/storage-errors.js'
import type { JsonObject } from '../util/json.js'
import type { FindRunnable } from './find-runnable.js'
import { toMessages } from './run-input.js'
import type { RunQueue } from './run-queue.js'
import type { RunnableRegistry } from './runnable.js'
import type { RunnableSnapshot } from './runnable-journal.js'

/** Options of `runtime.submit`. */
export interface SubmitOptions<TContext = unknown> {
  /** Use this id instead of a generated one (a UUID). */
  runId?: string
  /** A session id (agents): its history is loaded before the input, the new turn appended at the end. */
  session?: string
  /**
   * The run context (user id, db handle, secrets): never stored. It reaches the run only through
   * the in-process queue; with a distributed queue, give workers their context instead.
   */
  context?: TContext
  /** Your JSON data, stored with the run and given to a runnable as `ctx.metadata`. */
  metadata?: JsonObject
  /** This run's timeout in milliseconds (default: the runner's, 300,000). */
  timeoutMs?: number
  /** This run's retries (default: the runner's, 3). */
  retries?: number
}

/** The largest input (as JSON) a job carries for its worker to start from; a larger one is read from storage. */
const START_MAX_JSON = 65_536

const SUBMIT_KEYS = new Set(['runId', 'session', 'context', 'metadata', 'timeoutMs', 'retries'])

/** A submission to check and store. */
export interface Submission {
  storage: Storage
  queue: RunQueue
  registry: RunnableRegistry
  /** The runnable a name stands for: the registry, then `resolveRunnable` (find-runnable.ts). */
  find: FindRunnable
  /** The registered runnable's name. */
  name: string
  input: string | readonly Message[]
  options: SubmitOptions
}

/**
 * Checks a submission and stores its run as `queued` (a `ConfigError` when it is bad, or when a
 * run with its id exists). Returns the run's id, and what was saved when it is small enough to
 * travel with the job (`QueuedRun.start`).
 */
export async function storeSubmittedRun(
  submission: Submission,
): Promise<{ runId: string; start: RunCheckpoint | undefined }> {
  const { storage, queue, registry, find, name, input, options } = submission
  if (typeof name !== 'string' || name === '') {
    throw new ConfigError({
      message: `submit(name, input): name must be a registered runnable's name; got ${JSON.stringify(name)}.`,
    })
  }
  const entry = await find(name)
  if (entry === undefined) {
    const names = registry.list().map((each) => each.name)
    throw new ConfigError({
      message: `submit: no runnable named "${name}" is registered (registered: ${names.join(', ') || 'none'}). Register it with runtime.register(...) or new Runtime({ agents, runnables }).`,
    })
  }
  checkSubmitOptions(options)
  if (options.context !== undefined && queue.distributed) {
    throw new ConfigError({
      message: `submit: options.context cannot travel through the ${queue.backend} queue (the run context is never stored or sent). Give the workers their context (startWorker({ context })), or use the in-process queue.`,
    })
  }
  if (options.session !== undefined && entry.kind !== 'agent') {
    throw new ConfigError({
      message: `submit: session is for agents; "${name}" is a ${entry.kind === 'steps' ? 'step job' : 'runnable'}.`,
    })
  }
  const messages = await toMessages(input)
  const runId = options.runId ?? crypto.randomUUID()
  const snapshot: RunnableSnapshot = {
    version: 1,
    format: 'runnable',
    input: messages,
    steps: {},
    attempts: 0,
    ...(options.session === undefined ? {} : { session: options.session }),
  }
  let saved: { revision: number; updatedAt: number }
  try {
    saved = await storage.runs.save({
      runId,
      kind: entry.kind === 'steps' ? 'steps' : 'agent',
      agentName: name,
      status: 'queued',
      snapshot,
      expectedRevision: null,
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      ...(options.session === undefined ? {} : { sessionId: options.session }),
    })
  } catch (error) {
    if (error instanceof StorageConflictError) {
      throw new ConfigError({
        message: `submit: a run with id "${runId}" already exists. Use another runId, or runtime.wait("${runId}") for it.`,
        cause: error,
      })
    }
    throw error
  }
  // The worker that takes the job starts from what was saved, without reading it back.
  const start: RunCheckpoint | undefined =
    queue.distributed && JSON.stringify(messages).length > START_MAX_JSON
      ? undefined
      : {
          record: {
            runId,
            kind: entry.kind === 'steps' ? 'steps' : 'agent',
            agentName: name,
            status: 'queued',
            revision: saved.revision,
            ...(options.session === undefined ? {} : { sessionId: options.session }),
            ...(options.metadata === undefined ? {} : { metadata: structuredClone(options.metadata) }),
            createdAt: saved.updatedAt,
            updatedAt: saved.updatedAt,
          },
          snapshot: structuredClone(snapshot),
          parts: [],
        }
  return { runId, start }
}

function checkSubmitOptions(options: SubmitOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError({ message: 'submit(name, input, options): options must be an object.' })
  }
  for (const key of Object.keys(options)) {
    if (!SUBMIT_KEYS.has(key)) {
      throw new ConfigError({
        message: `submit options: unknown option "${key}" (known: ${[...SUBMIT_KEYS].join(', ')}).`,
      })
    }
  }
  const { runId, session, metadata, timeoutMs, retries } = options
  if (runId !== undefined && (typeof runId !== 'string' || runId === '')) {
    throw new ConfigError({
      message: `submit options: runId must be a non-empty string; got ${JSON.stringify(runId)}.`,
    })
  }
  if (session !== undefined && (typeof session !== 'string' || session === '')) {
    throw new ConfigError({
      message: `submit options: session must be a non-empty string (a session id); got ${JSON.stringify(session)}.`,
    })
  }
  if (
    metadata !== undefined &&
    (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
  ) {
    throw new ConfigError({ message: 'submit options: metadata must be a JSON object.' })
  }
  if (metadata !== undefined) requireJson(metadata, 'submit options: metadata')
  if (
    timeoutMs !== undefined &&
    !(typeof timeoutMs === 'number' && timeoutMs > 0 && Number.isFinite(timeoutMs))
  ) {
    throw new ConfigError({
      message: `submit options: timeoutMs must be a positive number of milliseconds; got ${JSON.stringify(timeoutMs)}.`,
    })
  }
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
    throw new ConfigError({
      message: `submit options: retries must be an integer >= 0; got ${JSON.stringify(retries)}.`,
    })
  }
}
