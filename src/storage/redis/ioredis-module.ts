/**
 * The `ioredis` module, loaded once for `agentloop/redis`: a `ConfigError` with the `npm install` command
 * when the optional package is missing (see `importOptionalPeer`).
 *
 * @module
 */
import { importOptionalPeer } from '../../errors/optional-peer.js'

/** The `ioredis` `Redis` client class. */
export const RedisClient: typeof import('ioredis').Redis = (
  await importOptionalPeer(() => import('ioredis'), { packageName: 'ioredis', subpath: 'agentloop/redis' })
).Redis
