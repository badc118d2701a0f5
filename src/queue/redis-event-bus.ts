/**
 * The event bus on Redis pub/sub: every process that subscribes to a run receives the events
 * any worker publishes for it, and every process receives control messages (a cancellation). Pub/sub
 * is fire and forget: a message published while a subscriber reconnects is lost, which the event
 * follower covers (it reads the stored log on a gap, a drop or a quiet spell). Events published in
 * one tick for one run travel as one message.
 *
 * A run's `run.end` also goes to the run's end channel, alone (with the run's result when the
 * worker sends it along, up to 64 KiB of JSON): `runtime.wait` listens there, so a waiter receives
 * one message per run, and is not a follower. Whether a run has followers (`watched`) is asked of
 * Redis (`PUBSUB NUMSUB` of its event channel, at most once a second per run): a run nobody follows
 * stores the events between its checkpoints with the next checkpoint rather than one write each,
 * and publishes none on its event channel: only its `run.end`, on the end channel. A follower
 * subscribes to both channels, so one that arrives within that second hears the `run.end` (or the
 * next batch, once the count is asked again) and reads what it missed from the stored log.
 *
 * @module
 */
import type { Redis } from 'ioredis'
import { ConfigError } from '../errors/errors.js'
import type { RunEndEvent, RunEvent } from '../events/run-event.js'
import type { ControlMessage, EventBus, RunEndNotice } from '../run/event-bus.js'
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

/** The largest result (as JSON) that travels with a `run.end` to its waiters; a larger one is read from storage. */
export const MAX_END_RESULT_JSON = 65_536
/** How long a run's follower count (`PUBSUB NUMSUB`) is trusted before it is asked again. */
const WATCH_REFRESH_MS = 1000
/** Runs whose follower count is remembered; the oldest are forgotten beyond this. */
const MAX_WATCH_ENTRIES = 10_000

/** A run's follower count as last read from Redis. */
interface Followers {
  count: number | undefined
  at: number
  asking: boolean
  /** The last question's answer, once in. */
  answer: Promise<void> | undefined
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
  const endChannel = (runId: string) => `${prefix}:run-end:${runId}`
  const runPrefix = runChannel('')
  const endPrefix = endChannel('')
  const controlChannel = `${prefix}:control`
  let publisher: Redis | undefined
  let subscriber: Redis | undefined
  const runs = new Map<string, Set<(event: RunEvent) => void>>()
  const ends = new Map<string, Set<(notice: RunEndNotice) => void>>()
  const control = new Set<(message: ControlMessage) => void>()
  const followers = new Map<string, Followers>()
  /** Events waiting for the end of the tick, by run. */
  let pending: Map<string, RunEvent[]> | undefined
  /** End notices waiting for the end of the tick (after their run's events), as JSON, by run. */
  let pendingEnds: Map<string, string> | undefined

  /** Adds a listener of one run's channel (subscribing on the first); the returned function removes it. */
  const listen = async <T>(
    table: Map<string, Set<T>>,
    channel: string,
    runId: string,
    listener: T,
  ): Promise<() => void> => {
    let listeners = table.get(runId)
    if (listeners === undefined) {
      listeners = new Set()
      table.set(runId, listeners)
      await subscriberOf().subscribe(channel)
    }
    const own = listeners
    own.add(listener)
    return () => {
      own.delete(listener)
      if (own.size === 0 && table.get(runId) === own) {
        table.delete(runId)
        subscriber?.unsubscribe(channel).catch(() => {})
      }
    }
  }

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
        if (channel.startsWith(endPrefix)) {
          const listeners = ends.get(channel.slice(endPrefix.length))
          if (listeners === undefined) return
          const notice = parse(text) as RunEndNotice | undefined
          if (notice?.event?.type !== 'run.end') return
          for (const listener of listeners) listener(notice)
          return
        }
        const runId = channel.slice(runPrefix.length)
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
    const endBatch = pendingEnds
    pending = undefined
    pendingEnds = undefined
    if (batch === undefined && endBatch === undefined) return
    const connection = publisherOf()
    for (const [runId, events] of batch ?? []) {
      connection.publish(runChannel(runId), JSON.stringify(events)).catch(() => {
        // Lost: subscribers find the events in the stored log.
      })
    }
    for (const [runId, end] of endBatch ?? []) {
      connection.publish(endChannel(runId), end).catch(() => {
        // Lost: waiters read the stored status again (every 2 s).
      })
    }
  }
  /** Asks Redis how many processes follow the run's events. */
  const askFollowers = (runId: string, entry: Followers): Promise<void> => {
    entry.asking = true
    entry.answer = (publisherOf().pubsub('NUMSUB', runChannel(runId)) as Promise<unknown[]>)
      .then((reply) => {
        entry.count = Number(reply[1])
        entry.at = Date.now()
      })
      .catch(() => {
        // Unknown: the run counts as watched.
      })
      .finally(() => {
        entry.asking = false
      })
    return entry.answer
  }
  /** Whether Redis said, less than `WATCH_REFRESH_MS` ago, that nobody follows the run. */
  const unfollowed = (runId: string): boolean => {
    if (runs.has(runId)) return false
    const entry = followers.get(runId)
    return entry?.count === 0 && Date.now() - entry.at < WATCH_REFRESH_MS
  }
  /** The run's follower count entry, created (and asked for) when stale. */
  const followersOf = (runId: string): Followers => {
    let entry = followers.get(runId)
    if (entry === undefined) {
      if (followers.size >= MAX_WATCH_ENTRIES) {
        const oldest = followers.keys().next().value
        if (oldest !== undefined) followers.delete(oldest)
      }
      entry = { count: undefined, at: 0, asking: false, answer: undefined }
      followers.set(runId, entry)
    }
    if (!entry.asking && Date.now() - entry.at >= WATCH_REFRESH_MS) void askFollowers(runId, entry)
    return entry
  }

  return {
    backend: 'redis',
    watched(runId) {
      if (runs.has(runId)) return true
      const entry = followersOf(runId)
      // Not known yet: watched, so that a follower never waits for the next checkpoint.
      return entry.count === undefined || entry.count > 0
    },
    async watch(runId) {
      if (runs.has(runId)) return
      await followersOf(runId).answer
    },
    publish(runId, events, end) {
      if (events.length === 0) return
      if (pending === undefined && pendingEnds === undefined) queueMicrotask(flush)
      // Nobody follows the run (Redis said so within the last second): its events stay in the
      // stored log; a follower that subscribed since hears the run.end on the end channel (it
      // subscribes there too) and reads what it missed from the log.
      if (!unfollowed(runId)) {
        pending ??= new Map()
        const list = pending.get(runId)
        if (list === undefined) pending.set(runId, [...events])
        else list.push(...events)
      }
      for (const event of events) {
        if (event.type !== 'run.end') continue
        followers.delete(runId)
        pendingEnds ??= new Map()
        pendingEnds.set(runId, endNotice(event, end))
      }
    },
    subscribe: (runId, listener) => listen(runs, runChannel(runId), runId, listener),
    subscribeEnd: (runId, listener) => listen(ends, endChannel(runId), runId, listener),
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
      ends.clear()
      control.clear()
      followers.clear()
      await Promise.all([publisher?.quit().catch(() => {}), subscriber?.quit().catch(() => {})])
      publisher = undefined
      subscriber = undefined
    },
  }
}

/** A run's end notice as JSON: its `run.end`, and its result when given and its JSON is small enough. */
export function endNotice(event: RunEndEvent, end: { result: unknown } | undefined): string {
  const head = `{"event":${JSON.stringify(event)}`
  if (end === undefined) return `${head}}`
  let result: string | undefined
  try {
    result = JSON.stringify(end.result)
  } catch {
    result = undefined
  }
  return result === undefined || result.length > MAX_END_RESULT_JSON
    ? `${head}}`
    : `${head},"result":${result}}`
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
