/**
 * Storage in a directory of JSON files: no native dependency (nothing to compile), atomic writes,
 * a journal per commit and a cross-process lock. For single machines with up to a few thousand
 * runs; beyond that, or under heavy concurrent writing, use SQLite (`agentloop/sqlite`).
 *
 * @example
 * import { createFileStorage } from 'agentloop/file'
 * const storage = createFileStorage({ dir: './.agentloop' })
 * await storage.runs.list({ status: 'awaiting_approval' })
 *
 * @module
 */
export { createFileStorage, type FileStorageOptions } from './create-file-storage.js'
export type { FileDurability } from './file-io.js'
