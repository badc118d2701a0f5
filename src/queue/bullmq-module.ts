/**
 * The `bullmq` module, loaded once for `agentloop/redis`'s queue: a `ConfigError` with the
 * `npm install` command when the optional package is missing.
 *
 * @module
 */
import { importOptionalPeer } from '../errors/optional-peer.js'

const bullmq = await importOptionalPeer(() => import('bullmq'), {
  packageName: 'bullmq',
  subpath: 'agentloop/redis',
})

export const BullQueue: typeof import('bullmq').Queue = bullmq.Queue
export const BullWorker: typeof import('bullmq').Worker = bullmq.Worker
export const BullDelayedError: typeof import('bullmq').DelayedError = bullmq.DelayedError
