/**
 * The event bus: how a run's events reach `runtime.events(runId)` in this process or any other,
 * and how a cancellation reaches the process running the run. Events are published only after
 * they are stored, so a subscriber that misses some (a slow consumer, a lost message) reads them
 * back from the stored log. The in-process bus is the default; `createRedisEventBus`
 * (`agentloop/redis`) spans processes and machines.
 *
 * @module
 */
import type { RunEndEvent, RunEvent } from '../events/run-event.js'

/** A message to every process of the deployment (not tied to one run's event stream). */
export type ControlMessage = { type: 'cancel'; runId: string }

/**
 * What a waiter for a run's end (`runtime.wait`) receives: the run's `run.end`, already stored,
 * and, when the process that executed the run sent it along, the run's result (what `wait`
 * returns), so that the waiter need not read the run back.
 */
export interface RunEndNotice {
  event: RunEndEvent
  result?: unknown
}

/** Stops a subscription. */
export type Unsubscribe = () => void

/** Where stored events are published and control messages travel. */
export interface EventBus {
  /** `memory` or `redis`. */
  readonly backend: string
  /**
   * Whether the run may have subscribers (an in-process bus knows; a shared one answers true).
   * Runs nobody watches store their events with their checkpoints rather than one write each.
   */
  watched?(runId: string): boolean
  /**
   * Finds out whether the run has subscribers now (a shared bus asks its server), so that
   * `watched` knows before the run's first event; resolves when it does. Never rejects.
   */
  watch?(runId: string): Promise<void>
  /**
   * Publishes events of one run, already stored, in `seq` order (fire and forget). With a
   * `run.end` among them, `end.result` (JSON: the run's stored result) may travel with it to the
   * run's end waiters (`subscribeEnd`).
   */
  publish(runId: string, events: readonly RunEvent[], end?: { result: unknown }): void
  /** Receives the run's events published from now on; resolves once the subscription is live. */
  subscribe(runId: string, listener: (event: RunEvent) => void): Promise<Unsubscribe>
  /**
   * Receives only the run's `run.end` (with its result when one travels along), not its other
   * events; a subscriber here does not make the run `watched`. Without it, waiters use `subscribe`.
   */
  subscribeEnd?(runId: string, listener: (notice: RunEndNotice) => void): Promise<Unsubscribe>
  /** Sends a control message to every process (this one included). */
  publishControl(message: ControlMessage): Promise<void>
  /** Receives control messages; resolves once the subscription is live. */
  onControl(listener: (message: ControlMessage) => void): Promise<Unsubscribe>
  /** Releases connections; the bus must not be used afterwards. */
  close(): Promise<void>
}

/**
 * The bus of one process: listeners are called synchronously, in order. Costs nothing for runs
 * nobody watches.
 */
export function createInProcessEventBus(): EventBus {
  const runs = new Map<string, Set<(event: RunEvent) => void>>()
  const control = new Set<(message: ControlMessage) => void>()
  return {
    backend: 'memory',
    watched: (runId) => runs.has(runId),
    publish(runId, events) {
      const listeners = runs.get(runId)
      if (listeners === undefined) return
      for (const event of events) for (const listener of listeners) listener(event)
    },
    async subscribe(runId, listener) {
      let listeners = runs.get(runId)
      if (listeners === undefined) {
        listeners = new Set()
        runs.set(runId, listeners)
      }
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && runs.get(runId) === listeners) runs.delete(runId)
      }
    },
    async publishControl(message) {
      for (const listener of control) listener(message)
    },
    async onControl(listener) {
      control.add(listener)
      return () => {
        control.delete(listener)
      }
    },
    async close() {
      runs.clear()
      control.clear()
    },
  }
}
