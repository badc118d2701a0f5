/**
 * The `ioredis` module, loaded once for `agentloop/redis`: a `ConfigError` with the `npm install` command
 * when the optional package is missing (see `importOptionalPeer`).
 *
 * @module
 */
import { importOptionalPeer } from '../../errors/optional-peer.js'

const ioredis = await importOptionalPeer(() => import('ioredis'), {
  packageName: 'ioredis',
  subpath: 'agentloop/redis',
})

/** The `ioredis` `Redis` client class. */
export const RedisClient: typeof import('ioredis').Redis = ioredis.Redis

/** The `ioredis` `Cluster` client class. */
export const RedisCluster: typeof import('ioredis').Cluster = ioredis.Cluster
