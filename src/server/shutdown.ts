/**
 * Graceful shutdown: readiness fails first (load balancers stop sending), the socket stops
 * accepting, open event streams end with a final comment, runs in flight get a grace period, then
 * every connection is closed. Runs checkpoint after every step, so one cut short resumes later.
 *
 * @module
 */
import type { Server } from 'node:http'
import type { ServerContext } from './server-context.js'

/** Tracks what shutdown must wait for or end. */
export interface Shutdown {
  /** The listening server to stop (set by `listen`). */
  attach(server: unknown): void
  /** Registers an open event stream: its closer writes a final comment and ends it. */
  trackStream(close: () => void): () => void
  /** Registers work in flight (a run a request waits for); shutdown waits for it up to the grace period. */
  trackWork(work: Promise<unknown>, abort: () => void): void
  close(): Promise<void>
}

/** The shutdown of one server. */
export function createShutdown(options: { server: ServerContext; graceMs: number }): Shutdown {
  const servers = new Set<Server>()
  const streams = new Set<() => void>()
  const work = new Map<Promise<unknown>, () => void>()
  let closing: Promise<void> | undefined

  async function close(): Promise<void> {
    options.server.draining = true
    const closed = [...servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve())))
    for (const stream of [...streams]) stream()
    const pending = [...work.keys()]
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.graceMs)
      })
      const outcome = await Promise.race([Promise.allSettled(pending).then(() => 'done' as const), timedOut])
      clearTimeout(timer)
      if (outcome === 'timeout') {
        options.server.logger.warn(
          { runs: work.size },
          'shutdown: runs still in flight after the grace period; cancelling them (they resume from their last checkpoint)',
        )
        for (const abort of work.values()) abort()
      }
    }
    for (const server of servers) server.closeAllConnections()
    await Promise.all(closed)
    options.server.logger.info('server closed')
  }

  return {
    attach(server) {
      servers.add(server as Server)
    },
    trackStream(closeStream) {
      streams.add(closeStream)
      return () => streams.delete(closeStream)
    },
    trackWork(promise, abort) {
      work.set(promise, abort)
      const forget = () => work.delete(promise)
      promise.then(forget, forget)
    },
    close() {
      closing ??= close()
      return closing
    },
  }
}
