/**
 * Starts agent runs for requests (chat, completions): a run slot of the key's concurrency limit
 * is held until the run ends, the run's owner is recorded, shutdown waits for it, and the run is
 * refused while the server drains.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import type { RunInput } from '../run/run-input.js'
import type { RunResult } from '../run/run-result.js'
import type { RunStream } from '../run/run-stream.js'
import { HttpError } from './http-error.js'
import type { Ownership } from './ownership.js'
import type { Principal } from './principal.js'
import type { ServerContext } from './server-context.js'
import type { Shutdown } from './shutdown.js'

/** Starts runs for principals. */
export interface RunLauncher {
  /** Starts a streamed run; iterate it or read `result`. Throws 429 (no slot) or 503 (draining). */
  start(options: LaunchOptions): Promise<RunStream<unknown>>
  /** Runs to the end without streaming (cheaper when no one reads the events). */
  run(options: LaunchOptions): Promise<{ runId: string; result: Promise<RunResult<unknown>> }>
}

/** What a run needs. */
export interface LaunchOptions {
  principal: Principal
  // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
  agent: Agent<any, any>
  input: RunInput
  sessionId?: string | undefined
  /** The run's own token budget (input + output of all its model calls). */
  maxTokens?: number | undefined
}

/** Refuses new work while the server shuts down. */
export function refuseWhileDraining(server: ServerContext): void {
  if (server.draining) {
    throw new HttpError({
      type: 'unavailable',
      message: 'The server is shutting down; retry on another instance.',
      headers: { 'Retry-After': '5' },
    })
  }
}

/**
 * Reserves a run slot of the principal's key (429 when none is free) and returns the function
 * that ties it to a run: `track(started)` keeps the slot until the run started (submitted or
 * resumed) ends or pauses, and makes shutdown wait for it.
 */
export function holdRunSlot(options: {
  server: ServerContext
  shutdown: Shutdown
  principal: Principal
  runId: string
}): (started: Promise<unknown>) => void {
  const { server, runId } = options
  const release = server.limits.acquireRun(options.principal.keyId)
  return (started) => {
    const settled = started
      .then(() => server.runtime.wait(runId))
      .then(
        () => undefined,
        () => undefined,
      )
    settled.then(release)
    options.shutdown.trackWork(settled, () => {})
  }
}

/** Charges a run's usage to the principal's owner and key (and session, and its own budget). */
export async function chargeRun(
  server: ServerContext,
  options: {
    runId: string
    principal: Principal
    sessionId?: string | undefined
    maxTokens?: number | undefined
  },
): Promise<void> {
  await server.spend?.attribute({
    runId: options.runId,
    owner: options.principal.owner,
    keyId: options.principal.keyId,
    ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
    ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
  })
}

/** The launcher of a server. */
export function createRunLauncher(options: {
  server: ServerContext
  ownership: Ownership
  shutdown: Shutdown
}): RunLauncher {
  const { server, ownership, shutdown } = options
  /** Reserves a slot, records the owner, starts the run with `begin`, releases the slot at its end. */
  async function launch<T>(
    options: LaunchOptions,
    begin: (runId: string, signal: AbortSignal) => { value: T; done: Promise<unknown> },
  ): Promise<T> {
    refuseWhileDraining(server)
    const { principal } = options
    await server.spend?.admit({ owner: principal.owner, keyId: principal.keyId })
    const release = server.limits.acquireRun(options.principal.keyId)
    try {
      const runId = crypto.randomUUID()
      // A run without storage cannot be looked up later, so its owner need not be recorded.
      if (server.runtime.storage !== undefined) await ownership.record('run', runId, options.principal.owner)
      await chargeRun(server, {
        runId,
        principal,
        sessionId: options.sessionId,
        maxTokens: options.maxTokens,
      })
      const controller = new AbortController()
      const { value, done } = begin(runId, controller.signal)
      const settled = done.then(
        () => undefined,
        () => undefined,
      )
      settled.then(release)
      shutdown.trackWork(settled, () => controller.abort(new Error('server shutdown')))
      return value
    } catch (error) {
      release()
      throw error
    }
  }
  const runOptions = (options: LaunchOptions, runId: string, signal: AbortSignal) => ({
    runId,
    signal,
    ...(options.sessionId === undefined ? {} : { session: options.sessionId }),
  })
  return {
    start(options) {
      return launch(options, (runId, signal) => {
        const stream = server.runtime.stream(options.agent, options.input, runOptions(options, runId, signal))
        return { value: stream, done: stream.result }
      })
    },
    run(options) {
      return launch(options, (runId, signal) => {
        const result = server.runtime.run(options.agent, options.input, runOptions(options, runId, signal))
        // The route awaits it; this copy only tracks the end.
        result.catch(() => {})
        return { value: { runId, result }, done: result }
      })
    },
  }
}
