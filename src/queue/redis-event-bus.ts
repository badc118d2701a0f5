/**
 * The event bus on Redis pub/sub: every process that subscribes to a run receives the events
 * any worker publishes for it, and every process receives control messages (a cancellation). Pub/sub
 * is fire and forget: a message published while a subscriber reconnects is lost, which the event
 * follower covers (it reads the stored log on a gap, a drop or a quiet spell). Events published in
 * one tick for one run travel as one message.
 *
 * @module
 */
import type { Redis } from 'ioredis'
import { ConfigError } from '../errors/errors.js'
import type { RunEvent } from '../events/run-event.js'
import type { ControlMessage, EventBus } from '../run/event-bus.js'
import { RedisClient } from '../storage/redis/ioredis-module.js'

/** Options of {@link createRedisEventBus}. */
export interface RedisEventBusOptions {
  /** `redis://host:6379` (often `process.env.REDIS_URL`); or give `connection`. */
  url?: string
  /** An ioredis client to copy the connection from (two connections are opened: publish, subscribe). */
  connection?: Redis
  /** The channel prefix (default `agentloop`): one per deployment, or per test. */
  prefix?: string
}

/** Creates the Redis event bus (`agentloop/redis`; needs the optional peer `ioredis`). */
export function createRedisEventBus(options: RedisEventBusOptions = {}): EventBus {
  if (options.url === undefined && options.connection === undefined) {
    throw new ConfigError({
      message:
        "createRedisEventBus: give url (such as 'redis://127.0.0.1:6379', often process.env.REDIS_URL) or an ioredis connection.",
    })
  }
  const prefix = options.prefix ?? 'agentloop'
  const connect = () =>
    options.connection !== undefined ? options.connection.duplicate() : new RedisClient(options.url as string)
  const runChannel = (runId: string) => `${prefix}:run-events:${runId}`
  const controlChannel = `${prefix}:control`
  let publisher: Redis | undefined
  let subscriber: Redis | undefined
  const runs = new Map<string, Set<(event: RunEvent) => void>>()
  const control = new Set<(message: ControlMessage) => void>()
  /** Events waiting for the end of the tick, by run. */
  let pending: Map<string, RunEvent[]> | undefined

  const subscriberOf = () => {
    if (subscriber === undefined) {
      subscriber = connect()
      subscriber.on('error', () => {
        // ioredis reconnects and resubscribes; followers read the stored log meanwhile.
      })
      subscriber.on('message', (channel: string, text: string) => {
        if (channel === controlChannel) {
          const message = parse(text) as ControlMessage | undefined
          if (message?.type === 'cancel' && typeof message.runId === 'string') {
            for (const listener of control) listener(message)
          }
          return
        }
        const runId = channel.slice(runChannel('').length)
        const listeners = runs.get(runId)
        if (listeners === undefined) return
        const events = parse(text)
        if (!Array.isArray(events)) return
        for (const event of events as RunEvent[]) for (const listener of listeners) listener(event)
      })
    }
    return subscriber
  }
  const publisherOf = () => {
    if (publisher === undefined) {
      publisher = connect()
      publisher.on('error', () => {})
    }
    return publisher
  }
  const flush = () => {
    const batch = pending
    pending = undefined
    if (batch === undefined) return
    const connection = publisherOf()
    for (const [runId, events] of batch) {
      connection.publish(runChannel(runId), JSON.stringify(events)).catch(() => {
        // Lost: subscribers find the events in the stored log.
      })
    }
  }

  return {
    backend: 'redis',
    publish(runId, events) {
      if (events.length === 0) return
      if (pending === undefined) {
        pending = new Map()
        queueMicrotask(flush)
      }
      const list = pending.get(runId)
      if (list === undefined) pending.set(runId, [...events])
      else list.push(...events)
    },
    async subscribe(runId, listener) {
      let listeners = runs.get(runId)
      if (listeners === undefined) {
        listeners = new Set()
        runs.set(runId, listeners)
        await subscriberOf().subscribe(runChannel(runId))
      }
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && runs.get(runId) === listeners) {
          runs.delete(runId)
          subscriber?.unsubscribe(runChannel(runId)).catch(() => {})
        }
      }
    },
    async publishControl(message) {
      await publisherOf().publish(controlChannel, JSON.stringify(message))
    },
    async onControl(listener) {
      if (control.size === 0) await subscriberOf().subscribe(controlChannel)
      control.add(listener)
      return () => {
        control.delete(listener)
      }
    },
    async close() {
      flush()
      runs.clear()
      control.clear()
      await Promise.all([publisher?.quit().catch(() => {}), subscriber?.quit().catch(() => {})])
      publisher = undefined
      subscriber = undefined
    },
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
