/**
 * Starts agent runs for requests (chat, completions): a run slot of the key's concurrency limit
 * is held until the run ends, the run's owner is recorded, shutdown waits for it, and the run is
 * refused while the server drains.
 *
 * @module
 */
import type { Agent } from '../agent/agent.js'
import type { RunInput } from '../run/run-input.js'
import type { RunStream } from '../run/run-stream.js'
import { HttpError } from './http-error.js'
import type { Ownership } from './ownership.js'
import type { Principal } from './principal.js'
import type { ServerContext } from './server-context.js'
import type { Shutdown } from './shutdown.js'

/** Starts runs for principals. */
export interface RunLauncher {
  /** Starts a streamed run; iterate it or read `result`. Throws 429 (no slot) or 503 (draining). */
  start(options: {
    principal: Principal
    // biome-ignore lint/suspicious/noExplicitAny: agents of any context and output type
    agent: Agent<any, any>
    input: RunInput
    sessionId?: string | undefined
  }): Promise<RunStream<unknown>>
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

/** The launcher of a server. */
export function createRunLauncher(options: {
  server: ServerContext
  ownership: Ownership
  shutdown: Shutdown
}): RunLauncher {
  const { server, ownership, shutdown } = options
  return {
    async start({ principal, agent, input, sessionId }) {
      refuseWhileDraining(server)
      const release = server.limits.acquireRun(principal.keyId)
      try {
        const runId = crypto.randomUUID()
        await ownership.record('run', runId, principal.owner)
        const controller = new AbortController()
        const stream = server.runtime.stream(agent, input, {
          runId,
          signal: controller.signal,
          ...(sessionId === undefined ? {} : { session: sessionId }),
        })
        const settled = stream.result.then(
          () => undefined,
          () => undefined,
        )
        settled.then(release)
        shutdown.trackWork(settled, () => controller.abort(new Error('server shutdown')))
        return stream
      } catch (error) {
        release()
        throw error
      }
    },
  }
}
