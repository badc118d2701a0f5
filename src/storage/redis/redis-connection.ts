/**
 * Redis topologies (seed 003's `REDIS_MODE`): a standalone server, a primary found through
 * Sentinel, or a Redis Cluster, opened with ioredis from one configuration. Only the standalone
 * mode is tested against a live server in this repository; sentinel and cluster are tested for
 * the options they pass to ioredis.
 *
 * @module
 */
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { ConfigError } from '../../errors/errors.js'
import { RedisClient, RedisCluster } from './ioredis-module.js'

/** How Redis is deployed. */
export type RedisMode = 'standalone' | 'sentinel' | 'cluster'

/** Where Redis is and how it is deployed. */
export interface RedisConnectionOptions {
  /**
   * `redis://[user:password@]host:port[/db]` (`rediss://` for TLS). For `sentinel` and `cluster`,
   * several comma-separated hosts: `redis://sentinel1:26379,sentinel2:26379`.
   */
  url: string
  /** Default `standalone`. */
  mode?: RedisMode
  /** The primary's name Sentinel knows (`mymaster`); required for `sentinel`. */
  sentinelMasterName?: string
  /** Use TLS (also implied by `rediss://`). */
  tls?: boolean
  /** More ioredis options, passed through (for a cluster: the options of each node). */
  redisOptions?: RedisOptions
}

const modes = new Set(['standalone', 'sentinel', 'cluster'])

/**
 * The connection the environment describes: `REDIS_URL` (default `redis://127.0.0.1:6379`),
 * `REDIS_MODE` (`standalone`, `sentinel`, `cluster`), `REDIS_SENTINEL_MASTER`, `REDIS_SSL`.
 */
export function redisConnectionFromEnv(
  env: Record<string, string | undefined> = process.env,
): RedisConnectionOptions {
  const options: RedisConnectionOptions = {
    url: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    mode: (env.REDIS_MODE ?? 'standalone') as RedisMode,
  }
  if (env.REDIS_SENTINEL_MASTER !== undefined) options.sentinelMasterName = env.REDIS_SENTINEL_MASTER
  if (env.REDIS_SSL !== undefined) options.tls = env.REDIS_SSL === 'true' || env.REDIS_SSL === '1'
  return options
}

interface ParsedUrl {
  hosts: { host: string; port: number }[]
  username?: string
  password?: string
  db?: number
  tls: boolean
}

/** Parses a Redis URL that may list several hosts (`URL` rejects commas in the host). */
export function parseRedisUrl(url: string, defaultPort = 6379): ParsedUrl {
  const match = /^(rediss?):\/\/(?:([^@/]*)@)?([^/?#]+)(?:\/(\d+))?\/?$/.exec(url)
  if (match === null) {
    throw new ConfigError({
      message: `Redis url ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//***@'))} is not redis://[user:password@]host:port[,host:port...][/db].`,
    })
  }
  const [, scheme, auth, hostList, db] = match as unknown as [
    string,
    string,
    string | undefined,
    string,
    string | undefined,
  ]
  const hosts = hostList.split(',').map((entry) => {
    const [host, port] = entry.trim().split(':')
    return { host: host || '127.0.0.1', port: port === undefined || port === '' ? defaultPort : Number(port) }
  })
  const parsed: ParsedUrl = { hosts, tls: scheme === 'rediss' }
  if (auth !== undefined && auth !== '') {
    const separator = auth.indexOf(':')
    const username = separator < 0 ? '' : decodeURIComponent(auth.slice(0, separator))
    const password = decodeURIComponent(separator < 0 ? auth : auth.slice(separator + 1))
    if (username !== '') parsed.username = username
    if (password !== '') parsed.password = password
  }
  if (db !== undefined) parsed.db = Number(db)
  return parsed
}

/**
 * Opens an ioredis client for the configured topology: `Redis` for standalone and sentinel, a
 * `Cluster` for cluster. Connection errors are left to the calls that fail (an `error` listener
 * keeps them from crashing the process).
 */
export function createRedisClient(options: RedisConnectionOptions): Redis | Cluster {
  const mode = options.mode ?? 'standalone'
  if (!modes.has(mode)) {
    throw new ConfigError({
      message: `Redis mode must be 'standalone', 'sentinel' or 'cluster' (REDIS_MODE); got ${JSON.stringify(options.mode)}.`,
    })
  }
  if (typeof options.url !== 'string' || options.url === '') {
    throw new ConfigError({ message: "Redis url is required, e.g. 'redis://127.0.0.1:6379' (REDIS_URL)." })
  }
  let client: Redis | Cluster
  if (mode === 'standalone') {
    // ioredis parses a single-host URL itself (query options included)
    client = new RedisClient(options.url, {
      maxRetriesPerRequest: 3,
      ...(options.tls === true ? { tls: {} } : {}),
      ...options.redisOptions,
    })
    client.on('error', () => {})
    return client
  }
  const parsed = parseRedisUrl(options.url, mode === 'sentinel' ? 26379 : 6379)
  const tls = options.tls === true || parsed.tls ? { tls: {} } : {}
  const auth = {
    ...(parsed.username === undefined ? {} : { username: parsed.username }),
    ...(parsed.password === undefined ? {} : { password: parsed.password }),
  }
  if (mode === 'sentinel') {
    if (typeof options.sentinelMasterName !== 'string' || options.sentinelMasterName === '') {
      throw new ConfigError({
        message:
          'Redis mode sentinel needs sentinelMasterName (REDIS_SENTINEL_MASTER): the name the sentinels know the primary by, e.g. mymaster.',
      })
    }
    client = new RedisClient({
      maxRetriesPerRequest: 3,
      sentinels: parsed.hosts,
      name: options.sentinelMasterName,
      // the same credentials for the sentinels and the primary, as the seed's single URL implies
      ...auth,
      ...(parsed.password === undefined ? {} : { sentinelPassword: parsed.password }),
      ...(parsed.db === undefined ? {} : { db: parsed.db }),
      ...tls,
      ...options.redisOptions,
    })
  } else {
    client = new RedisCluster(parsed.hosts, {
      redisOptions: { maxRetriesPerRequest: 3, ...auth, ...tls, ...options.redisOptions },
    })
  }
  client.on('error', () => {})
  return client
}
