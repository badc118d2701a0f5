/**
 * Storage on SQLite (better-sqlite3): the embedded default. One file, WAL journal,
 * `synchronous=FULL` by default, migrations applied on open. Install the optional peer:
 * `npm install better-sqlite3`.
 *
 * @example
 * import { createSqliteStorage } from 'agentloop/sqlite'
 * const storage = createSqliteStorage({ path: './agentloop.db' })
 * await storage.runs.list({ status: 'awaiting_approval' })
 *
 * @module
 */
export { createSqliteStorage, type SqliteStorageOptions } from './create-sqlite-storage.js'
