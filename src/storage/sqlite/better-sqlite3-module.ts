/**
 * The `better-sqlite3` module, loaded once for `agentloop/sqlite`: a `ConfigError` with the `npm install` command
 * when the optional package is missing (see `importOptionalPeer`).
 *
 * @module
 */
import { importOptionalPeer } from '../../errors/optional-peer.js'

/** The `better-sqlite3` `Database` class. */
export const BetterSqlite3: typeof import('better-sqlite3') = (
  await importOptionalPeer(() => import('better-sqlite3'), {
    packageName: 'better-sqlite3',
    subpath: 'agentloop/sqlite',
  })
).default
