/**
 * For people writing a storage backend: the small `StoreDriver` interface (get, ordered list, one
 * atomic compare-and-set commit) and `createStorage(driver)`, which builds every repository (runs,
 * sessions, memory, tasks, knowledge, audit) on it. Check a new backend with `storageConformance`
 * from `agentloop/testing`. Applications use a ready backend instead: `createMemoryStorage()` from
 * `agentloop`, or `agentloop/sqlite`, `agentloop/postgres`, `agentloop/redis`.
 *
 * @example
 * import { createStorage, type StoreDriver } from 'agentloop/storage'
 *
 * function createMyStorage(): Storage {
 *   const driver: StoreDriver = { name: 'mine', get, list, commit, close }
 *   return createStorage(driver)
 * }
 *
 * @module
 */
export { createStorage, storageDriverOf } from './create-storage.js'
export { STORAGE_FORMAT_VERSION } from './record-codec.js'
export type {
  CheckOperation,
  CommitResult,
  DeleteGroupOperation,
  DeleteOperation,
  ListOptions,
  PutOperation,
  StoreDriver,
  StoredRecord,
  VectorQuery,
  WriteOperation,
} from './store-driver.js'
