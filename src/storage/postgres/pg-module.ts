/**
 * The `pg` module, loaded once for `agentloop/postgres`: a `ConfigError` with the `npm install` command
 * when the optional package is missing (see `importOptionalPeer`).
 *
 * @module
 */
import { importOptionalPeer } from '../../errors/optional-peer.js'

/** The `pg` module's default export (`pg.Pool`...). */
export const pgModule: typeof import('pg').default = (
  await importOptionalPeer(() => import('pg'), { packageName: 'pg', subpath: 'agentloop/postgres' })
).default
